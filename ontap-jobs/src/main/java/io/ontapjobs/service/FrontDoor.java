package io.ontapjobs.service;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP port: a Vert.x and an {@link HttpServer} of our own, made with public options and handlers, whose
 * {@link Router} Camel's platform HTTP serves its routes from.
 *
 * <p>Camel finds the routes' router by name in the registry ({@link VertxPlatformHttpRouter#getRouterNameFromPort}, the
 * same lookup Camel Quarkus feeds with its own router), and its management server (health, metrics) shares the port of
 * the {@link VertxPlatformHttpServer} service with the same port. So this is that service, but its whole lifecycle is
 * ours ({@code doInit}/{@code doStart}/{@code doStop}): nothing of Camel's own server runs. Camel Main makes it through
 * {@link HttpGuard}'s {@code MainHttpServerFactory}, from the {@code camel.server.*} properties.
 */
final class FrontDoor extends VertxPlatformHttpServer {
    private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);
    private static final long WAIT_SECONDS = 30;

    private final HttpGuard guard;
    private final String host;
    private final int port;
    private volatile Vertx vertx;
    private volatile HttpServer server;
    private String routerName;

    private FrontDoor(HttpGuard guard, VertxPlatformHttpServerConfiguration configuration) {
        super(configuration);
        this.guard = guard;
        this.host = configuration.getBindHost();
        this.port = configuration.getBindPort();
    }

    static FrontDoor of(HttpGuard guard, HttpServerConfigurationProperties properties) {
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(properties.getHost());
        configuration.setBindPort(properties.getPort());
        configuration.setPath(properties.getPath());
        configuration.setMaxBodySize(guard.settings().maxBodyBytes());
        return new FrontDoor(guard, configuration);
    }

    @Override
    protected void doInit() {
        // nothing looked up in the registry: the Vert.x is ours, made when the port opens
    }

    @Override
    protected void doStart() throws Exception {
        Vertx v = Vertx.vertx();
        vertx = v;
        guard.use(v);
        Router root = Router.router(v);
        Router routes = Router.router(v);
        root.route().handler(guard::admit); // limits and the gate, before any route
        root.route("/*").subRouter(routes);
        for (Router r : new Router[] {root, routes}) {
            r.errorHandler(413, guard::tooLarge); // the body handler's limit: answered, the connection closed
            r.errorHandler(500, guard::failed);
        }
        routerName = VertxPlatformHttpRouter.getRouterNameFromPort(port);
        Handler<RoutingContext> body = guard.bodyHandler();
        getCamelContext().getRegistry().bind(routerName, new VertxPlatformHttpRouter(this, v, routes, routerName) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                return body;
            }
        });
        HttpServer s = v.createHttpServer(guard.options());
        s.connectionHandler(guard::connected).requestHandler(root);
        try {
            server = s.listen(port, host).toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            shut();
            throw new IllegalStateException("ontap.api.port: cannot listen on " + host + ":" + port + ": " + e.getCause().getMessage(), e.getCause());
        }
        LOG.debug("HTTP server listening on {}:{}", host, server.actualPort());
    }

    @Override
    protected void doStop() {
        shut();
    }

    private void shut() {
        if (routerName != null) {
            getCamelContext().getRegistry().unbind(routerName);
        }
        HttpServer s = server;
        server = null;
        Vertx v = vertx;
        vertx = null;
        try {
            if (s != null) {
                s.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.debug("Closing the HTTP server: {}", e.toString());
        }
        try {
            if (v != null) { // its event loops would keep the JVM alive
                v.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.debug("Closing the HTTP server's Vert.x: {}", e.toString());
        }
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public Vertx getVertx() {
        return vertx;
    }

    @Override
    public int getPort() {
        HttpServer s = server;
        return s != null ? s.actualPort() : port;
    }
}

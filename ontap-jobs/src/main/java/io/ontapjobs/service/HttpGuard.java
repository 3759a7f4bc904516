package io.ontapjobs.service;

import io.ontapjobs.api.ApiGate;
import io.ontapjobs.policy.Durations;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.http.impl.HttpServerRequestWrapper;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.impl.transports.JDKTransport;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PfxOptions;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the service's HTTP port (Camel platform-http on Vert.x) up under hostile clients, serves it over TLS when a
 * keystore is configured, and asks the {@link ApiGate} before any route sees a request.
 *
 * <p>Camel's {@code VertxPlatformHttpServer} builds its own {@link HttpServerOptions} and offers no hook for timeouts,
 * a connection cap or a handler of ours, but it takes a {@link Vertx} from the registry when there is exactly one. So
 * we bind a Vert.x proxy that hands every call to a real Vert.x except {@code createHttpServer}, which gets our options
 * and returns a server whose request handler is wrapped. Camel never closes a Vert.x it found in the registry: the
 * proxy's server closes it after itself, and a Camel service closes it when no server was ever made.
 */
public final class HttpGuard {
    private static final Logger LOG = LoggerFactory.getLogger(HttpGuard.class);
    static final String REGISTRY_NAME = "ontapVertx";
    /**
     * Connections accepted beyond ontap.api.max-connections that may only ask /observe/health*: a flood of API
     * connections from any address then still leaves the probes a way in (they cannot be told apart before a request).
     */
    static final int HEALTH_RESERVE = 8;
    /** A reserve connection has this long (at most) to send its headers, so a flood cannot sit on the reserve. */
    static final Duration RESERVE_HEADER_TIMEOUT = Duration.ofSeconds(2);
    static final int MAX_HEADER_SIZE = 8192;
    static final String HEALTH_PATH = "/observe/health";

    /** The limits, from ontap.api.* (and camel.server.max-body-size), checked before Camel starts. */
    public record Settings(int maxConnections, Duration idleTimeout, Duration requestTimeout, Duration headerTimeout,
                           long maxBodyBytes, Path keystore, char[] keystorePassword, String keystoreType) {
        boolean tls() {
            return keystore != null;
        }

        public static Settings from(io.ontapjobs.service.Settings.Api api, PropertiesComponent props) {
            int max = (int) number("ontap.api.max-connections", api.maxConnections(), 200, Integer.MAX_VALUE);
            long body = number("camel.server.max-body-size", props.resolveProperty("camel.server.max-body-size").map(String::strip).orElse(""),
                    1_048_576, Long.MAX_VALUE);
            Duration idle = duration("ontap.api.idle-timeout", api.idleTimeout(), "30s");
            Duration request = duration("ontap.api.request-timeout", api.requestTimeout(), "30s");
            Duration header = duration("ontap.api.header-timeout", api.headerTimeout(), "10s");
            String store = api.tlsKeystore();
            if (store.isEmpty()) {
                return new Settings(max, idle, request, header, body, null, null, null);
            }
            Path file = Path.of(store);
            if (!Files.isReadable(file) || Files.isDirectory(file)) {
                throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: cannot read " + store, null);
            }
            char[] password = api.tlsKeystorePassword().toCharArray();
            String type;
            try {
                KeyStore ks = KeyStore.getInstance(file.toFile(), password); // PKCS12 or JKS, told apart by content
                type = ks.getType();
                boolean hasKey = false;
                for (String alias : Collections.list(ks.aliases())) {
                    hasKey |= ks.isKeyEntry(alias);
                }
                if (!hasKey) {
                    throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: " + store
                            + " holds no private key (the server's certificate and key belong there)", null);
                }
            } catch (OntapJobsConfiguration.ConfigurationError e) {
                throw e;
            } catch (java.io.IOException e) {
                // the JDK reports a wrong password as an IOException caused by UnrecoverableKeyException
                boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                        || String.valueOf(e.getMessage()).contains("password");
                throw new OntapJobsConfiguration.ConfigurationError(wrongPassword
                        ? "ontap.api.tls.keystore-password: wrong password for " + store
                        : "ontap.api.tls.keystore: " + store + " is not a PKCS12 or JKS keystore", e);
            } catch (Exception e) {
                throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: cannot load " + store + ": " + e.getMessage(), e);
            }
            return new Settings(max, idle, request, header, body, file, password, type);
        }

        private static long number(String key, String text, long otherwise, long top) {
            if (text.isEmpty()) {
                return otherwise;
            }
            try {
                long n = Long.parseLong(text);
                if (n < 1 || n > top) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new OntapJobsConfiguration.ConfigurationError(key + ": '" + text + "' is not a positive whole number", e);
            }
        }

        private static Duration duration(String key, String value, String otherwise) {
            String text = value.isEmpty() ? otherwise : value;
            Duration d;
            try {
                d = Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new OntapJobsConfiguration.ConfigurationError(key + ": " + e.getMessage(), e);
            }
            if (d.isZero()) {
                throw new OntapJobsConfiguration.ConfigurationError(key + ": must be longer than 0", null);
            }
            return d;
        }
    }

    private final CamelContext context;
    private final Settings settings;
    private final AtomicInteger open = new AtomicInteger();
    private Vertx real;
    private boolean closed;
    private volatile boolean serverMade;

    private static final AttributeKey<Conn> CONN = AttributeKey.valueOf("ontap-http-guard");

    /**
     * Vert.x's TCP transport, but each accepted socket gets {@link Conn} first in its pipeline. Vert.x tells a server of
     * an HTTP/1 connection only once its first request's headers have arrived: too late to count it or to cut a
     * slowloris, so this is done at accept, below Vert.x.
     */
    private final class GuardedTransport extends JDKTransport {
        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            if (domainSocket) {
                return super.serverChannelFactory(true);
            }
            return () -> new NioServerSocketChannel() {
                @Override
                protected int doReadMessages(List<Object> accepted) throws Exception {
                    int from = accepted.size();
                    int n = super.doReadMessages(accepted);
                    for (int i = from; i < accepted.size(); i++) {
                        if (accepted.get(i) instanceof Channel child) {
                            child.pipeline().addFirst("ontap-http-guard", new Conn());
                        }
                    }
                    return n;
                }
            };
        }
    }

    /** One accepted connection: counted, closed beyond cap + reserve, closed when its first request's headers are late. */
    private final class Conn extends ChannelInboundHandlerAdapter {
        volatile boolean reserve;
        volatile boolean sawRequest;
        private boolean counted;
        private ScheduledFuture<?> headerDeadline;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            counted = true;
            int n = open.incrementAndGet();
            ctx.channel().attr(CONN).set(this);
            if (n > settings.maxConnections() + HEALTH_RESERVE) {
                ctx.close();
                return;
            }
            reserve = n > settings.maxConnections();
            Duration wait = reserve && RESERVE_HEADER_TIMEOUT.compareTo(settings.headerTimeout()) < 0
                    ? RESERVE_HEADER_TIMEOUT : settings.headerTimeout();
            headerDeadline = ctx.executor().schedule(() -> {
                if (!sawRequest) { // slowloris: the first request's headers never came
                    ctx.close();
                }
            }, wait.toMillis(), TimeUnit.MILLISECONDS);
            super.channelActive(ctx);
        }

        void requestArrived() {
            sawRequest = true;
            ScheduledFuture<?> d = headerDeadline;
            if (d != null) {
                d.cancel(false);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (counted) {
                counted = false;
                open.decrementAndGet();
            }
            requestArrived(); // nothing left to wait for
            super.channelInactive(ctx);
        }
    }

    private HttpGuard(CamelContext context, Settings settings) {
        this.context = context;
        this.settings = settings;
    }

    /** Reads the limits (a mistake is a {@link OntapJobsConfiguration.ConfigurationError}) and binds the Vert.x Camel will use. */
    public static HttpGuard install(CamelContext context, io.ontapjobs.service.Settings.Api api) {
        HttpGuard guard = new HttpGuard(context, Settings.from(api, context.getPropertiesComponent()));
        context.getRegistry().bind(REGISTRY_NAME, Vertx.class, guard.vertxProxy());
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    if (!guard.serverMade) { // else the server closes it, after itself
                        guard.closeVertx();
                    }
                }
            }, true, false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (guard.settings.tls()) {
            LOG.info("HTTP port serves HTTPS only (ontap.api.tls.keystore = {})", guard.settings.keystore());
        }
        return guard;
    }

    int openConnections() {
        return open.get();
    }

    private synchronized Vertx real() {
        if (real == null) { // made on first use: a service that never serves HTTP starts no event loops
            if (closed) {
                throw new IllegalStateException("the HTTP server's Vert.x is closed");
            }
            real = new io.vertx.core.impl.VertxBuilder(new io.vertx.core.VertxOptions())
                    .findTransport(new GuardedTransport()).init().vertx();
        }
        return real;
    }

    /** Once: a late timer or close handler must not make a new Vert.x (its threads would keep the JVM alive). */
    private synchronized Future<Void> closeVertx() {
        if (closed || real == null) {
            closed = true;
            return Future.succeededFuture();
        }
        closed = true;
        return real.close();
    }

    /**
     * Closes the Vert.x from a thread of its own, then runs {@code then}: closed from one of its event loops (where the
     * server's close ends), Vert.x would wait for that very loop and never finish.
     */
    private void closeVertxOffLoop(Runnable then) {
        Thread t = new Thread(() -> {
            try {
                closeVertx().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("Closing the HTTP server's Vert.x: {}", e.toString());
            } finally {
                then.run();
            }
        }, "ontap-http-close");
        t.setDaemon(true);
        t.start();
    }

    private Vertx vertxProxy() {
        InvocationHandler h = (proxy, method, args) -> {
            switch (method.getName()) {
                case "toString":
                    if (method.getParameterCount() == 0) {
                        return "ontap-jobs Vert.x (HttpGuard)";
                    }
                    break;
                case "hashCode":
                    if (method.getParameterCount() == 0) {
                        return System.identityHashCode(proxy);
                    }
                    break;
                case "equals":
                    if (method.getParameterCount() == 1) {
                        return proxy == args[0];
                    }
                    break;
                case "createHttpServer":
                    if (method.getParameterCount() == 1 && args[0] instanceof HttpServerOptions options) {
                        return createHttpServer(options);
                    }
                    if (method.getParameterCount() == 0) {
                        return createHttpServer(new HttpServerOptions());
                    }
                    break;
                default:
                    break;
            }
            return invoke(real(), method, args);
        };
        return (Vertx) Proxy.newProxyInstance(HttpGuard.class.getClassLoader(), new Class<?>[] {VertxInternal.class}, h);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private HttpServer createHttpServer(HttpServerOptions camelOptions) {
        HttpServerOptions options = new HttpServerOptions(camelOptions)
                .setIdleTimeout((int) Math.max(1, settings.idleTimeout().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                // HTTP/1.1 only: the guards are per connection, and an h2c upgrade stalled the next requests on it
                .setHttp2ClearTextEnabled(false);
        if (settings.tls()) {
            Buffer store;
            try {
                store = Buffer.buffer(Files.readAllBytes(settings.keystore()));
            } catch (java.io.IOException e) {
                throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: cannot read " + settings.keystore(), e);
            }
            String password = new String(settings.keystorePassword());
            options.setSsl(true).setKeyCertOptions("JKS".equalsIgnoreCase(settings.keystoreType())
                    ? new JksOptions().setValue(store).setPassword(password)
                    : new PfxOptions().setValue(store).setPassword(password));
        }
        HttpServer server = real().createHttpServer(options);
        serverMade = true;
        InvocationHandler h = (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("requestHandler") && method.getParameterCount() == 1) {
                @SuppressWarnings("unchecked")
                Handler<HttpServerRequest> routes = (Handler<HttpServerRequest>) args[0];
                server.requestHandler(routes == null ? null : request -> handle(request, routes));
                return proxy;
            }
            if (name.equals("close") && method.getParameterCount() == 1 && args[0] instanceof Handler<?> done) {
                @SuppressWarnings("unchecked")
                Handler<io.vertx.core.AsyncResult<Void>> callback = (Handler<io.vertx.core.AsyncResult<Void>>) done;
                server.close(ar -> closeVertxOffLoop(() -> callback.handle(ar)));
                return null;
            }
            if (name.equals("close") && method.getParameterCount() == 0) {
                io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
                server.close(ar -> closeVertxOffLoop(() -> closed.handle(ar)));
                return closed.future();
            }
            Object result = invoke(server, method, args);
            return result == server ? proxy : result;
        };
        return (HttpServer) Proxy.newProxyInstance(HttpGuard.class.getClassLoader(), new Class<?>[] {HttpServer.class}, h);
    }

    private void handle(HttpServerRequest request, Handler<HttpServerRequest> routes) {
        Conn c = request.connection() instanceof ConnectionBase base ? base.channel().attr(CONN).get() : null;
        if (c != null) {
            c.requestArrived();
        }
        GuardedRequest guarded = new GuardedRequest((HttpServerRequestInternal) request);
        // headers to last body byte: armed before anything else, so a refused request's slow body is cut as well
        guarded.deadline = real().setTimer(settings.requestTimeout().toMillis(), id -> {
            if (!request.isEnded()) {
                refuse(request, 408, "the request took longer than ontap.api.request-timeout");
            }
        });
        boolean admitted;
        try {
            ApiGate gate = context.getRegistry().lookupByNameAndType(ApiGate.REGISTRY_NAME, ApiGate.class);
            admitted = (gate == null ? ApiGate.OPEN : gate).admit(request);
        } catch (RuntimeException e) {
            LOG.warn("The API gate failed on {} {}: {}", request.method(), request.path(), e.toString());
            refuse(request, 500, "internal error");
            return;
        }
        if (!admitted) {
            return; // the gate answered
        }
        if (c != null && c.reserve && !String.valueOf(request.path()).startsWith(HEALTH_PATH)) {
            refuse(request, 503, "too many connections; try again later");
            return;
        }
        String length = request.getHeader("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                refuse(request, 400, "bad Content-Length");
                return;
            }
            if (n > settings.maxBodyBytes()) { // refused before a byte of the body is read
                refuse(request, 413, "request body larger than " + settings.maxBodyBytes() + " bytes");
                return;
            }
        }
        routes.handle(guarded);
    }

    /** Answers (when nothing was sent yet) and closes the connection: whatever the client still sends is not read. */
    static void refuse(HttpServerRequest request, int status, String message) {
        HttpServerResponse response = request.response();
        HttpConnection connection = request.connection();
        // HTTP/2 (h2c, as Java's HttpClient asks for): only this stream is ended, the connection's other streams go on
        boolean h2 = request.version() == io.vertx.core.http.HttpVersion.HTTP_2;
        Runnable cut = h2 ? () -> {
            if (!request.isEnded()) {
                response.reset();
            }
        } : connection::close;
        if (response.headWritten() || response.ended() || response.closed()) {
            cut.run();
            return;
        }
        String body = "{\"error\":{\"message\":\"" + message + "\"}}";
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (!h2) {
            response.putHeader("Connection", "close");
        }
        response.end(body).onComplete(ar -> cut.run());
    }

    /** The request as the routes see it: its body counted in bytes while it is read, cut past the limit. */
    private final class GuardedRequest extends HttpServerRequestWrapper {
        private long received;
        private boolean cut;
        volatile long deadline = -1;

        GuardedRequest(HttpServerRequestInternal delegate) {
            super(delegate);
        }

        @Override
        public HttpServerRequest handler(Handler<Buffer> handler) {
            delegate.handler(handler == null ? null : data -> {
                if (cut) {
                    return;
                }
                received += data.length();
                if (received > settings.maxBodyBytes()) {
                    cut = true;
                    refuse(delegate, 413, "request body larger than " + settings.maxBodyBytes() + " bytes");
                    return;
                }
                handler.handle(data);
            });
            return this;
        }

        @Override
        public HttpServerRequest endHandler(Handler<Void> handler) {
            delegate.endHandler(v -> {
                if (deadline >= 0) {
                    real().cancelTimer(deadline);
                }
                if (handler != null && !cut) {
                    handler.handle(v);
                }
            });
            return this;
        }
    }
}

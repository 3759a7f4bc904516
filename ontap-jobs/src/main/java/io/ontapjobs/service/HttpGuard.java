package io.ontapjobs.service;

import io.ontapjobs.api.ApiGate;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainHttpServerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the service's HTTP port up under hostile clients, serves it over TLS when a keystore is configured, and asks
 * the {@link ApiGate} before any route sees a request; {@link FrontDoor} is the server it guards.
 *
 * <p>All through public APIs: Camel Main asks the registry for a {@link MainHttpServerFactory} before its own, so the
 * {@code camel.server.*} server it makes is our {@link FrontDoor}; Vert.x's {@link HttpServerOptions} carry the idle
 * timeout, header size, TLS and HTTP/1.1 only; {@code connectionHandler} (called at accept once h2c is off) counts
 * connections and arms the header deadline; a {@code setTimer} per request the 408; Vert.x Web's {@link BodyHandler}
 * counts body bytes, and its 413 closes the connection here.
 */
public final class HttpGuard {
    private static final Logger LOG = LoggerFactory.getLogger(HttpGuard.class);
    static final String FACTORY_NAME = "ontapHttpServerFactory";
    /**
     * Connections accepted beyond ontap.api.max-connections that may only ask /observe/health*: a flood of API
     * connections from any address then still leaves the probes a way in (they cannot be told apart before a request).
     */
    static final int HEALTH_RESERVE = 8;
    /** A reserve connection has this long (at most) to send its headers, so a flood cannot sit on the reserve. */
    static final Duration RESERVE_HEADER_TIMEOUT = Duration.ofSeconds(2);
    static final int MAX_HEADER_SIZE = 8192;
    static final String HEALTH_PATH = "/observe/health";

    /** One accepted connection: whether it is in the health reserve, and its first request's header deadline. */
    private static final class Conn {
        volatile boolean reserve;
        volatile boolean sawRequest;
        volatile long headerDeadline = -1;
    }

    private final CamelContext context;
    private final HttpSettings settings;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<HttpConnection, Conn> connections = new ConcurrentHashMap<>();
    private volatile Vertx vertx;

    private HttpGuard(CamelContext context, HttpSettings settings) {
        this.context = context;
        this.settings = settings;
    }

    /**
     * Binds, in {@code main}'s registry, the factory Camel Main makes its HTTP servers with: ours for
     * {@code camel.server.*} (reading the limits then: a mistake is a {@link OntapJobsConfiguration.ConfigurationError}),
     * Camel's for {@code camel.management.*}, which then shares our port. Camel Main asks for it before any
     * {@code CamelConfiguration} runs, hence bound on the {@link Main}.
     */
    public static void bindTo(Main main) {
        main.bind(FACTORY_NAME, new MainHttpServerFactory() {
            @Override
            public Service newHttpServer(CamelContext camel, HttpServerConfigurationProperties properties) {
                HttpGuard guard = new HttpGuard(camel, HttpSettings.from(camel.getPropertiesComponent()));
                if (guard.settings.tls()) {
                    LOG.info("HTTP port serves HTTPS only (ontap.api.tls.keystore = {})", guard.settings.keystore());
                }
                FrontDoor door = FrontDoor.of(guard, properties);
                door.setCamelContext(camel);
                return door;
            }

            @Override
            public Service newHttpManagementServer(CamelContext camel, HttpManagementServerConfigurationProperties properties) {
                DefaultMainHttpServerFactory camels = new DefaultMainHttpServerFactory();
                camels.setCamelContext(camel);
                return camels.newHttpManagementServer(camel, properties);
            }
        });
    }

    /** Refuses to go on when Camel Main made its HTTP server without {@link #bindTo(Main)}: it would be unguarded. */
    public static void requireGuarded(CamelContext context) {
        if (context.hasService(FrontDoor.class) == null) {
            throw new IllegalStateException("camel.server.enabled, but the HTTP server is not ontap-jobs' guarded one:"
                    + " wire the Main with OntapJobsConfiguration.configure(main, demo)");
        }
    }

    HttpSettings settings() {
        return settings;
    }

    /** The Vert.x the guarded server runs on (its timers are ours). */
    void use(Vertx vertx) {
        this.vertx = vertx;
    }

    HttpServerOptions options() {
        HttpServerOptions options = new HttpServerOptions()
                .setIdleTimeout((int) Math.max(1, settings.idleTimeout().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                // HTTP/1.1 only: the guards are per connection, and with h2c on Vert.x announces a connection late
                .setHttp2ClearTextEnabled(false)
                .setUseAlpn(false);
        if (settings.tls()) {
            Buffer store;
            try {
                store = Buffer.buffer(Files.readAllBytes(settings.keystore()));
            } catch (java.io.IOException e) {
                throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: cannot read " + settings.keystore(), e);
            }
            String password = new String(settings.keystorePassword());
            options.setSsl(true).setSslHandshakeTimeout(settings.headerTimeout().toMillis())
                    .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                    .setKeyCertOptions("JKS".equalsIgnoreCase(settings.keystoreType())
                            ? new JksOptions().setValue(store).setPassword(password)
                            : new PfxOptions().setValue(store).setPassword(password));
        }
        return options;
    }

    /** A new connection: counted, closed beyond cap + reserve, closed when its first request's headers are late. */
    void connected(HttpConnection connection) {
        Conn c = new Conn();
        connections.put(connection, c);
        int n = open.incrementAndGet();
        connection.closeHandler(v -> {
            if (connections.remove(connection) != null) {
                open.decrementAndGet();
            }
            cancel(c.headerDeadline);
        });
        if (n > settings.maxConnections() + HEALTH_RESERVE) {
            connection.close();
            return;
        }
        c.reserve = n > settings.maxConnections();
        Duration wait = c.reserve && RESERVE_HEADER_TIMEOUT.compareTo(settings.headerTimeout()) < 0
                ? RESERVE_HEADER_TIMEOUT : settings.headerTimeout();
        c.headerDeadline = vertx.setTimer(wait.toMillis(), id -> {
            if (!c.sawRequest) { // slowloris: the first request's headers never came
                connection.close();
            }
        });
    }

    private void cancel(long timer) {
        Vertx v = vertx;
        if (timer >= 0 && v != null) {
            v.cancelTimer(timer);
        }
    }

    /** Every request, before any route: the request deadline, the gate, the reserve and the declared body size. */
    void admit(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Conn c = connections.get(request.connection());
        if (c != null) {
            c.sawRequest = true;
            cancel(c.headerDeadline);
        }
        // headers to last body byte: armed before anything else, so a refused request's slow body is cut as well
        long deadline = vertx.setTimer(settings.requestTimeout().toMillis(), id -> {
            if (!request.isEnded()) {
                refuse(request, 408, "the request took longer than ontap.api.request-timeout");
            }
        });
        ctx.addEndHandler(ar -> {
            if (request.isEnded()) { // else its body is still coming: the deadline stays
                cancel(deadline);
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
                refuse(request, 413, tooLargeMessage());
                return;
            }
        }
        ctx.next();
    }

    /** The routes' body handler: counts the body in bytes while it is read and fails 413 once past the limit. */
    Handler<RoutingContext> bodyHandler() {
        return BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes());
    }

    /** A body that passed the limit while it was read (chunked): answered 413, the rest of it not read. */
    void tooLarge(RoutingContext ctx) {
        refuse(ctx.request(), 413, tooLargeMessage());
    }

    /** A failure no route answered: a client gone mid-body is no error of ours; anything else is a 500. */
    void failed(RoutingContext ctx) {
        if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) {
            return;
        }
        LOG.warn("HTTP {} {} failed: {}", ctx.request().method(), ctx.request().path(), String.valueOf(ctx.failure()));
        refuse(ctx.request(), 500, "internal error");
    }

    private String tooLargeMessage() {
        return "request body larger than " + settings.maxBodyBytes() + " bytes";
    }

    /** Answers (when nothing was sent yet) and closes the connection: whatever the client still sends is not read. */
    static void refuse(HttpServerRequest request, int status, String message) {
        HttpServerResponse response = request.response();
        HttpConnection connection = request.connection();
        if (response.headWritten() || response.ended() || response.closed()) {
            connection.close();
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Connection", "close");
        response.end("{\"error\":{\"message\":\"" + message + "\"}}").onComplete(ar -> connection.close());
    }
}

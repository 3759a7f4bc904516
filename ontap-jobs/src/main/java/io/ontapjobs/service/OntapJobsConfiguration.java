package io.ontapjobs.service;

import io.ontapjobs.api.OperationsApi;
import io.ontapjobs.api.UiRoutes;
import io.ontapjobs.broker.BrokerCredentials;
import io.ontapjobs.broker.EmbeddedBroker;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.api.ApiGate;
import io.ontapjobs.ontap.AllowList;
import io.ontapjobs.security.ApiTokens;
import io.ontapjobs.security.TokenGate;
import io.ontapjobs.files.FileModes;
import io.ontapjobs.ha.HaSettings;
import io.ontapjobs.observe.Health;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.policy.PolicyException;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.ScenarioFile;
import jakarta.jms.ConnectionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The service's wiring, in one place: the API's login gate and HTTP limits, the {@code ontap} component's clusters
 * and policies, the simulator when asked for, the broker, the store with its outcome sinks and outbox, and the demo's
 * example requests. Camel Main runs {@link #configure(CamelContext)} before it starts anything; the statics below set
 * up that Main (configuration files, dev reload, validation).
 */
public final class OntapJobsConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(OntapJobsConfiguration.class);
    static final String SIMULATOR_USER = "admin";
    static final String SIMULATOR_PASSWORD = "netapp1!";

    private final boolean demo;

    public OntapJobsConfiguration(boolean demo) {
        this.demo = demo;
    }

    @Override
    public void configure(CamelContext context) {
        Settings settings = Settings.read(context); // every ontap.* key, once
        installGate(context, settings);
        OntapComponent ontap = loadConfiguration(context, settings);
        HaSettings ha = highAvailability(settings); // before anything of one process's own starts (simulator, broker)
        if (ha != null && ontap.getUserAgent() == null) {
            // each replica names itself to ONTAP (its audit log; the simulator's poll log): ontap-jobs/<version> (<replica>)
            ontap.setUserAgent(io.ontapjobs.ontap.Version.userAgent() + " (" + ha.replica() + ")");
        }
        guardHttp(context, settings);
        startSimulatorIfEnabled(context, ontap, settings);
        describeClusters(ontap);
        connectBroker(context, settings);
        OutcomeDelivery.install(context, ontap, ha, settings);
        if (demo) {
            dropExamples(context, settings); // the inbox route takes them once it starts
        }
    }

    /** A mistake in the configuration found at start-up: reported as one line, exit code 2. */
    public static class ConfigurationError extends RuntimeException {
        ConfigurationError(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static int runService(boolean demo, boolean dev) throws Exception {
        Main main = new Main();
        configure(main, demo);
        if (dev) {
            reloadRoutes(main, "routes");
        }
        main.run();
        return main.getExitCode();
    }

    /** Wires a Camel Main the way {@code serve} runs it; tests use it too. */
    public static void configure(Main main, boolean demo) {
        configurationFiles(main);
        HttpGuard.bindTo(main); // the HTTP port's limits, TLS and gate
        if (demo) {
            main.addOverrideProperty(SIMULATOR_ENABLED, "true");
        }
        main.configure().addRoutesBuilder(new OperationsApi());
        main.configure().addRoutesBuilder(new io.ontapjobs.api.EmsPushApi()); // EMS pushes: hints to poll now
        main.configure().addRoutesBuilder(new UiRoutes()); // the operator's page at / and /ui
        main.configure().addConfiguration(new OntapJobsConfiguration(demo));
    }

    /**
     * Logins for the HTTP port: the {@link TokenGate} built from {@code ontap.api.tokens.*}, bound where the HTTP
     * server asks it. Without a token the API serves loopback only: asked to listen elsewhere, start-up stops here.
     */
    static void installGate(CamelContext context, Settings settings) {
        ApiTokens tokens = apiLogins(settings);
        String host = settings.api().host();
        TokenGate gate = new TokenGate(tokens, settings.api().allowedHosts()).holdUntilReady();
        context.getRegistry().bind(ApiGate.REGISTRY_NAME, ApiGate.class, gate);
        String login = tokens.isEmpty() ? "no login (no ontap.api.tokens.*): loopback only" : "login by bearer token for " + tokens.clientNames();
        boolean tls = settings.api().tls();
        String port = settings.api().port();
        requireFreePort(host, port);
        try {
            // the HTTP server listens before Camel starts the routes: until then 503 + Retry-After, not 404
            context.addStartupListener(new org.apache.camel.StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                    gate.ready();
                    // its real address, not Camel's summary (which prints 0.0.0.0 whatever the bind address)
                    LOG.info("HTTP API on {}://{}:{}/ (the page at /, health at /observe/health/ready, metrics at /observe/metrics); {}",
                            tls ? "https" : "http", host.contains(":") ? "[" + host + "]" : host, port, login);
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code ontap.api.tokens.*} (properties, system properties and the environment, {@code ONTAP_API_TOKENS_<CLIENT>_SHA256})
     * and {@code ontap.api.host}: without a token the API may listen on loopback only.
     */
    static ApiTokens apiLogins(Settings settings) {
        ApiTokens tokens = settings.api().tokens();
        String host = settings.api().host();
        if (tokens.isEmpty() && !loopback(host)) {
            throw new ConfigurationError("ontap.api.host: '" + host + "' is not a loopback address, and no API token is configured:"
                    + " set ontap.api.tokens.<client>.sha256 and ontap.api.tokens.<client>.roles (java -jar ontap-jobs.jar token"
                    + " <client> --roles submit,read prints both), or listen on 127.0.0.1", null);
        }
        return tokens;
    }

    /**
     * Camel's HTTP server only logs a WARN when it cannot bind its port, and the service would run on without its API:
     * a port in use (another instance, another program) or a host that is not this machine's is a start-up mistake.
     * Asked before Camel starts; Vert.x binds the same way (address reuse on), so what binds here binds there.
     */
    static void requireFreePort(String host, String port) {
        int number;
        try {
            number = Integer.parseInt(port.strip());
        } catch (NumberFormatException e) {
            throw new ConfigurationError("ontap.api.port: '" + port + "' is not a port number", e);
        }
        if (number == 0) {
            return; // any free port
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(h, number));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationError("ontap.api.port: cannot listen on " + (h.contains(":") ? "[" + h + "]" : h) + ":" + number
                    + " (" + e.getMessage() + ": the port is in use by another program, or ontap.api.host is not an address of"
                    + " this machine)", e);
        }
    }

    static boolean loopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // only literal addresses: a name is not looked up (it could resolve elsewhere tomorrow)
            return h.matches("[0-9.]+|[0-9a-fA-F:]+") && java.net.InetAddress.getByName(h).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * Hands the component the service's clusters ({@code ontap.clusters.<name>.*}) and reads its policies before Camel
     * starts, so that a mistake is one line, not a failed context.
     */
    private static OntapComponent loadConfiguration(CamelContext context, Settings settings) {
        OntapComponent ontap = context.getComponent("ontap", OntapComponent.class);
        try {
            settings.clusters().values().forEach(ontap::addCluster);
            ServicePolicies.apply(context, ontap, settings.policies());
            ontap.loadConfiguration();
        } catch (PolicyException | IllegalArgumentException | java.io.IOException e) {
            throw new ConfigurationError(e.getMessage(), e);
        }
        return ontap;
    }

    /**
     * {@code ontap.ha.*}: null for a single instance. Several replicas share their state: PostgreSQL and an external
     * broker; what is one process's own (H2, the embedded broker, the in-process simulator) is refused, naming the key.
     */
    static HaSettings highAvailability(Settings settings) {
        HaSettings ha = settings.ha();
        if (ha == null) {
            return null;
        }
        String jdbc = settings.state().jdbcUrl().strip();
        if (!jdbc.startsWith("jdbc:postgresql:")) {
            throw new ConfigurationError(HaSettings.KEY + ": several replicas need one PostgreSQL database: set"
                    + " ontap.state.jdbc-url = jdbc:postgresql://… (" + (jdbc.isEmpty() ? "the embedded H2 database is one process's"
                    : "ontap.state.jdbc-url is not PostgreSQL") + ")", null);
        }
        if (settings.broker().embedded()) {
            throw new ConfigurationError(HaSettings.KEY + ": several replicas need one broker: set ontap.broker.url (the"
                    + " embedded broker is one process's)", null);
        }
        if (settings.simulator().enabled()) {
            throw new ConfigurationError(HaSettings.KEY + ": the in-process simulator (" + SIMULATOR_ENABLED + ") would be each"
                    + " replica's own cluster; run it apart (java -jar ontap-jobs.jar simulator) and set ontap.clusters.<name>.url", null);
        }
        return ha;
    }

    /** The HTTP port's server is the guarded one (HttpGuard.bindTo, from configure(Main)): else start-up stops here. */
    private static void guardHttp(CamelContext context, Settings settings) {
        boolean enabled = context.getPropertiesComponent().resolveProperty("camel.server.enabled")
                .map(v -> Boolean.parseBoolean(v.strip())).orElse(false);
        if (enabled) {
            HttpGuard.requireGuarded(context);
        }
    }

    /** One line per cluster: where it is, and what the API, the inbox and the queue may run there. */
    static void describeClusters(OntapComponent ontap) {
        for (String name : new java.util.TreeSet<>(ontap.clusterNames())) {
            ClusterConfig c = ontap.clusterConfig(name);
            String where = ontap.isSimulator(name) ? c.url() + " (the in-process ONTAP simulator: no real cluster is touched)" : c.url().toString();
            if (c.allow().isEmpty()) {
                LOG.warn("Cluster {}: {}; no ontap.clusters.{}.allow, so no request from the API, the inbox or the queue will run"
                        + " there (routes still can)", name, where, name);
            } else {
                LOG.info("Cluster {}: {}; requests from the API, the inbox and the queue may run {}", name, where, c.allow());
            }
        }
    }

    /** config/ and routes/ from the working directory, else the copies inside the jar. */
    private static void configurationFiles(Main main) {
        boolean localConfig = Files.isRegularFile(Path.of("config/application.properties"));
        main.setDefaultPropertyPlaceholderLocation(localConfig
                ? "file:config/application.properties" : "classpath:config/application.properties");
        if (!localConfig) {
            main.addOverrideProperty("ontap.policies.file", "classpath:config/policies.yaml");
        }
        if (!Files.isDirectory(Path.of("routes"))) {
            main.addOverrideProperty("camel.main.routesIncludePattern", "classpath:routes/*.yaml");
        }
    }

    /** Dev mode: Camel reloads a route file of {@code dir} when it changes (Camel Main's route reload). */
    public static void reloadRoutes(Main main, String dir) {
        main.addOverrideProperty("camel.main.routesReloadEnabled", "true");
        main.addOverrideProperty("camel.main.routesReloadDirectory", dir);
        main.addOverrideProperty("camel.main.routesReloadPattern", "*.yaml");
        main.addOverrideProperty("camel.main.routesReloadRemoveAllRoutes", "false");
    }

    /**
     * The service's wiring with nothing started: routes are built but not run (auto-startup off), no HTTP server,
     * no simulator, no store. For {@code validate}.
     */
    public static void configureForValidation(Main main) {
        configurationFiles(main);
        main.addOverrideProperty("camel.main.autoStartup", "false");
        main.addOverrideProperty("camel.server.enabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        main.addOverrideProperty("ontap.state.dir", "");
        main.configure().addRoutesBuilder(new OperationsApi());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport support) {
                Settings settings = Settings.read(support.getCamelContext());
                loadConfiguration(support.getCamelContext(), settings);
                apiLogins(settings); // what serve refuses before it listens, but not the port: nothing listens
                highAvailability(settings);
                // jms: endpoints are built, never connected (routes do not start): a factory that is never used
                support.getCamelContext().getComponent("jms", JmsComponent.class)
                        .setConnectionFactory(new ActiveMQConnectionFactory("vm://0"));
            }
        });
    }

    /** {@code ontap.simulator.enabled}: the in-process simulator is cluster {@code default} ({@code serve --demo} sets it). */
    static final String SIMULATOR_ENABLED = "ontap.simulator.enabled";

    /**
     * Starts the in-process simulator as cluster {@code default} when asked to ({@code --demo} or
     * {@value #SIMULATOR_ENABLED}), and only then: a service that silently ran requests against a fake cluster
     * would report successes that never happened.
     *
     * @throws ConfigurationError when no cluster is configured and the simulator is not asked for, or both are
     */
    static void startSimulatorIfEnabled(CamelContext context, OntapComponent ontap, Settings settings) {
        if (!settings.simulator().enabled()) {
            if (!ontap.hasClusters()) {
                throw new ConfigurationError("no cluster configured: set ontap.clusters.<name>.url (with .password and .allow),"
                        + " or use the in-process ONTAP simulator with serve --demo or " + SIMULATOR_ENABLED + "=true", null);
            }
            return;
        }
        if (ontap.clusterNames().contains("default")) {
            throw new ConfigurationError(SIMULATOR_ENABLED + ": the simulator is cluster 'default', but ontap.clusters.default.url"
                    + " is set too; unset one of them", null);
        }
        var builder = OntapSimulator.builder().port(0).username(SIMULATOR_USER).password(SIMULATOR_PASSWORD);
        java.util.Optional.ofNullable(settings.simulator().scenarios())
                .ifPresent(f -> {
                    Path file = Path.of(f);
                    if (Files.isRegularFile(file)) {
                        builder.scenarioFile(ScenarioFile.load(file));
                        return;
                    }
                    // run outside the project folder: the jar's copy of config/
                    try (InputStream shipped = file.isAbsolute() ? null : OntapJobsConfiguration.class.getClassLoader().getResourceAsStream(f)) {
                        if (shipped != null) {
                            builder.scenarioFile(ScenarioFile.parse(new String(shipped.readAllBytes(), StandardCharsets.UTF_8), f + " (in the jar)"));
                        } else {
                            LOG.warn("ontap.simulator.scenarios: {} not found; the simulator's jobs all succeed after 1 s", f);
                        }
                    } catch (IOException e) {
                        throw new ConfigurationError("ontap.simulator.scenarios: cannot read " + f + " from the jar: " + e.getMessage(), e);
                    }
                });
        OntapSimulator simulator = builder.build().start();
        AllowList allow = settings.defaultAllow();
        ontap.addCluster(ClusterConfig.of("default", simulator.baseUrl(), SIMULATOR_USER, SIMULATOR_PASSWORD).withAllow(allow));
        // the service knows this cluster is its simulator: outcomes (source ontap-jobs/simulator/default), health and the page say so
        context.getRegistry().bind("ontapSimulatedClusters", io.ontapjobs.outcome.SimulatedClusters.class,
                (io.ontapjobs.outcome.SimulatedClusters) "default"::equals);
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    simulator.close();
                }
            }, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        LOG.debug("Cluster 'default' is the in-process ONTAP simulator at {} ({})", simulator.baseUrl(), SIMULATOR_ENABLED);
    }

    /**
     * The {@code jms} component's connections: to {@code ontap.broker.url} (with {@code ontap.broker.user} and
     * {@code .password}) when set, else to an ActiveMQ Artemis broker started here, in-process, listening on
     * {@code ontap.broker.host:ontap.broker.port} with its journal in {@code <ontap.state.dir>/broker}. Clients of the
     * embedded broker log in with {@code ontap.broker.user} / {@code .password}, or, with no password set, with the
     * login generated into {@code <ontap.state.dir>/broker-credentials.properties}.
     */
    static void connectBroker(CamelContext context, Settings settings) {
        Settings.Broker b = settings.broker();
        String url = b.url();
        ConnectionFactory factory;
        if (url.isEmpty()) {
            String host = b.host();
            String portText = b.port();
            int port;
            try {
                port = Integer.parseInt(portText);
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigurationError("ontap.broker.port: '" + portText + "' is not a port number (1-65535)", e);
            }
            Path stateDir = Path.of(settings.state().dir().isBlank() ? "data" : settings.state().dir());
            FileModes.privateDirectory(stateDir, "State directory"); // the journal holds request and outcome messages
            Path dir = stateDir.resolve("broker");
            String requests = settings.requests().queue();
            String outcomes = settings.outcomes().queue() == null ? "ontap.outcomes" : settings.outcomes().queue().strip();
            for (String[] q : new String[][] {{"ontap.requests.queue", requests}, {"ontap.outcomes.queue", outcomes}}) {
                if (q[1].contains("#") || q[1].contains("*")) { // the broker's roles would read the name as a pattern
                    throw new ConfigurationError(q[0] + ": '" + q[1] + "' holds a wildcard (# or *); the embedded broker needs a plain name", null);
                }
            }
            List<String> queues = List.of(requests, requests + ".rejected", outcomes);
            BrokerCredentials login;
            try {
                login = BrokerCredentials.resolve(b.user(), b.password(), stateDir);
            } catch (BrokerCredentials.CredentialsException e) {
                throw new ConfigurationError(e.getMessage(), e);
            }
            if (EmbeddedBroker.SERVICE_USER.equals(login.user())) {
                throw new ConfigurationError("ontap.broker.user: '" + login.user() + "' is the service's own user; choose another", null);
            }
            EmbeddedBroker broker = new EmbeddedBroker(dir, host, port, queues).clientLogin(login, requests, outcomes)
                    .rejectedLimits(byteSize("ontap.requests.rejected.max-size", b.rejectedMaxSize(), EmbeddedBroker.DEFAULT_REJECTED_MAX_BYTES),
                            positiveDuration("ontap.requests.rejected.expiry", b.rejectedExpiry(), EmbeddedBroker.DEFAULT_REJECTED_EXPIRY));
            context.getRegistry().bind("ontapEmbeddedBroker", broker); // for tests that look inside it
            try {
                broker.checkAddress(); // the broker itself starts with the context, before the routes, and stops with it
            } catch (EmbeddedBroker.AcceptorException e) {
                throw new ConfigurationError("ontap.broker.port: the embedded broker " + e.getMessage()
                        + "; choose a free port, or set ontap.broker.url to use a running broker", e);
            }
            addService(context, new ServiceSupport() { // a locked journal is a configuration mistake: one line
                @Override
                protected void doStart() {
                    try {
                        broker.start();
                    } catch (EmbeddedBroker.JournalException | EmbeddedBroker.AcceptorException e) {
                        throw new ConfigurationError((e instanceof EmbeddedBroker.JournalException ? "ontap.state.dir: " : "ontap.broker.port: ")
                                + e.getMessage(), e);
                    }
                }

                @Override
                protected void doStop() {
                    broker.stop();
                }
            }, false);
            factory = broker.serviceConnectionFactory(); // in-VM, as the service's own user
        } else {
            String user = b.user();
            String password = b.password();
            if (url.indexOf('@') >= 0) { // the URL is logged: the login goes in ontap.broker.user and .password
                throw new ConfigurationError("ontap.broker.url: holds a user name or password (user info before '@'); set"
                        + " ontap.broker.user and ontap.broker.password instead (the URL is not shown here)", null);
            }
            try {
                // AMQP 1.0 (Qpid JMS) reaches any AMQP broker: ActiveMQ Classic or Artemis, RabbitMQ 4, Azure Service Bus, ...
                factory = url.startsWith("amqp") || url.startsWith("failover:(amqp")
                        ? new JmsConnectionFactory(user, password, url)
                        : new ActiveMQConnectionFactory(url, user, password);
            } catch (RuntimeException e) {
                throw new ConfigurationError("ontap.broker.url: not a broker URL (tcp://host:61616, amqp://host:5672 or amqps://…)", e);
            }
            LOG.info("Broker: {} (ontap.broker.url)", url);
        }
        refuseJavaObjects(factory);
        // One connection shared by producers (outcomes) and listeners, sessions and producers cached: no connection per send.
        CachingConnectionFactory caching = new CachingConnectionFactory(factory);
        caching.setSessionCacheSize(10);
        caching.setReconnectOnException(true);
        context.getComponent("jms", JmsComponent.class).setConnectionFactory(caching);
        // Camel* in any letter case never crosses the broker either way (camel-jms' own filter is case-sensitive)
        context.getComponent("jms", JmsComponent.class).setHeaderFilterStrategy(new io.ontapjobs.broker.CaseInsensitiveJmsHeaderFilter());
        // named without its URL: Camel's health output escapes slashes twice
        String where = url.isEmpty() ? "the embedded broker" : "the broker of ontap.broker.url";
        addService(context, new ServiceSupport() { // stops before the broker: services stop in reverse order
            @Override
            protected void doStart() {
                Health.registerBroker(context, factory, where);
            }

            @Override
            protected void doStop() {
                caching.destroy();
                if (factory instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        LOG.debug("Closing the broker's connection factory: {}", e.getMessage());
                    }
                }
            }
        }, false);
    }

    /**
     * Requests are JSON text: a Java-serialized ObjectMessage is never turned back into objects (deserializing what a
     * client sends is how gadget chains run code). The queue route refuses one unread ({@code QueueIntake}); a
     * route of the operator's that reads one fails, so the broker redelivers it and then moves it to its dead-letter
     * queue; nothing is run.
     */
    static void refuseJavaObjects(ConnectionFactory factory) {
        if (factory instanceof ActiveMQConnectionFactory artemis) {
            artemis.setDeserializationDenyList("*");
        } else if (factory instanceof JmsConnectionFactory qpid) {
            var policy = new org.apache.qpid.jms.policy.JmsDefaultDeserializationPolicy();
            policy.setAllowList("");
            policy.setDenyList("*");
            qpid.setDeserializationPolicy(policy);
        }
    }

    /** A size in bytes: {@code 10MB}, {@code 512KB}, {@code 1GB} (powers of 1024; KiB, MiB, GiB too) or a number of bytes. */
    static long byteSize(String key, String text, long otherwise) {
        if (text.isEmpty()) {
            return otherwise;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})\\s*(|B|KB|KIB|K|MB|MIB|M|GB|GIB|G)")
                .matcher(text.toUpperCase(java.util.Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            long unit = switch (m.group(2)) {
                case "KB", "KIB", "K" -> 1024L;
                case "MB", "MIB", "M" -> 1024L * 1024;
                case "GB", "GIB", "G" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            if (n > 0 && n <= Long.MAX_VALUE / unit) {
                return n * unit;
            }
        }
        throw new ConfigurationError(key + ": '" + text + "' is not a size (use e.g. 10MB, 512KB, 1GB)", null);
    }

    /** A duration of more than nothing, e.g. {@code 7d}, {@code 12h}. */
    static java.time.Duration positiveDuration(String key, String text, java.time.Duration otherwise) {
        if (text.isEmpty()) {
            return otherwise;
        }
        try {
            java.time.Duration d = io.ontapjobs.policy.Durations.parse(text);
            if (!d.isZero() && !d.isNegative()) {
                return d;
            }
        } catch (IllegalArgumentException e) {
            // the sentence below names the key
        }
        throw new ConfigurationError(key + ": '" + text + "' is not a duration (use e.g. 7d, 12h, 30m)", null);
    }

    private static void addService(CamelContext context, Object service, boolean startNow) {
        try {
            context.addService(service, true, startNow);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Copies the example requests shipped in the jar into the inbox, so a newcomer sees the whole flow. Each run gives
     * their ids a fresh suffix (the start time, {@code create-vol1-20261123-071205}): an id seen before is never
     * triggered again, so with the plain ids a second {@code serve --demo} would replay nothing. As inbox requests they
     * run as {@code inbox.<id>}.
     */
    static void dropExamples(CamelContext context, Settings settings) {
        Path inbox = Path.of(settings.outcomes().inboxDir());
        String suffix = "-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.now());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            Files.createDirectories(inbox);
            for (Resource r : PluginHelper.getPackageScanResourceResolver(context).findResources("classpath:examples/requests/*.json")) {
                String name = r.getLocation().substring(r.getLocation().lastIndexOf('/') + 1);
                Path tmp = inbox.resolve("." + name + ".tmp");
                try (InputStream in = r.getInputStream()) {
                    var request = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(in);
                    if (request.hasNonNull("id")) {
                        request.put("id", request.get("id").asText() + suffix);
                    }
                    Files.write(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(request));
                }
                Files.move(tmp, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE); // never half a file in the inbox
                LOG.info("Demo: dropped {} into {} (ids inbox.<id>{})", name, inbox, suffix);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot drop the example requests into " + inbox + ": " + e.getMessage(), e);
        }
    }
}

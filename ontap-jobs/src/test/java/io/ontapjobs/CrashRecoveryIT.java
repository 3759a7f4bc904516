package io.ontapjobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service killed with SIGKILL while jobs are in flight, then started again: nothing lost, nothing triggered
 * twice, every outcome once in every sink (files, the outcomes queue of the embedded broker, a signed webhook),
 * also when the service dies again while a webhook receiver is down and deliveries wait in the outbox.
 * The simulator and the service are separate processes running target/ontap-jobs.jar.
 */
class CrashRecoveryIT {
    static final Path JAR = Path.of("target/ontap-jobs.jar").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String BROKER_PASSWORD = "Broker-pw-crash-3141";
    @TempDir
    Path work;
    Process simulator;
    Process service;
    String url;
    String api;
    int brokerPort;
    HttpServer webhook;
    final String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("a secret of 24 bytes!!!!".getBytes(StandardCharsets.UTF_8));
    /** webhook-id → number of POSTs with that id whose signature verified. */
    final Map<String, Integer> webhookDeliveries = new ConcurrentHashMap<>();
    final List<String> badSignatures = new CopyOnWriteArrayList<>();
    /** While false the receiver is down for maintenance: 503 to every delivery. */
    volatile boolean webhookAccepting;
    final java.util.concurrent.atomic.AtomicInteger webhookRefused = new java.util.concurrent.atomic.AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        if (webhook != null) {
            webhook.stop(0);
        }
        for (Process p : new Process[] {service, simulator}) {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void startSimulator(String retention, String scenario) throws Exception {
        simulator = new ProcessBuilder("java", "-jar", JAR.toString(), "simulator", "--port", "0", "--retention", retention)
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(simulator.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on (http://\\S+)");
        for (String line; url == null && (line = out.readLine()) != null; ) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                url = m.group(1);
            }
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        HTTP.send(HttpRequest.newBuilder(URI.create(url + "/_simulator/scenarios")).POST(HttpRequest.BodyPublishers.ofString(scenario)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode simulatorStats() throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/_simulator/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private void startService(String log) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", JAR.toString(), "serve").directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve(log).toFile());
        pb.environment().put("ONTAP_CLUSTERS_DEFAULT_URL", url);
        if (brokerPort == 0) { // the same port after a restart: the journal under data/broker keeps the queue
            try (ServerSocket s = new ServerSocket(0)) {
                brokerPort = s.getLocalPort(); // not 61616: another service may run
            }
        }
        pb.environment().put("ONTAP_BROKER_PORT", String.valueOf(brokerPort));
        pb.environment().put("ONTAP_BROKER_PASSWORD", BROKER_PASSWORD); // clients log in (user ontap-client)
        if (webhook != null) {
            pb.environment().put("ONTAP_OUTCOMES_WEBHOOK_URL", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
            pb.environment().put("ONTAP_OUTCOMES_WEBHOOK_SECRET", secret);
        }
        pb.environment().put("ONTAP_CLUSTERS_DEFAULT_PASSWORD", "netapp1!");
        pb.environment().put("ONTAP_API_PORT", String.valueOf(port));
        api = "http://127.0.0.1:" + port + "/api/v1/operations";
        service = pb.start();
    }

    /** How many operations the service has recorded as running (its job UUIDs stored). */
    private long running() {
        try {
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(api + "?status=running")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("num_records").asLong();
        } catch (Exception e) {
            return -1; // not listening yet
        }
    }

    /** Jobs the cluster still has (ONTAP deletes finished ones after the retention). */
    private long clusterJobs() throws Exception {
        String auth = java.util.Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8));
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/cluster/jobs?return_records=false"))
                .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString()).body()).path("num_records").asLong();
    }

    private void dropRequest(String id) throws Exception {
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Files.writeString(inbox.resolve("." + id + ".tmp"), "{\"id\":\"" + id + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"" + id + "\"}}");
        Files.move(inbox.resolve("." + id + ".tmp"), inbox.resolve(id + ".json"));
    }

    private long outcomeFiles() throws Exception {
        Path outcomes = work.resolve("outcomes");
        if (!Files.isDirectory(outcomes)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(outcomes)) {
            return files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith(".")).count();
        }
    }

    /** A webhook receiver that checks each Standard Webhooks signature and counts deliveries per webhook-id. */
    private void startWebhookReceiver() throws Exception {
        byte[] key = java.util.Base64.getDecoder().decode(secret.substring("whsec_".length()));
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", ex -> {
            if (!webhookAccepting) {
                webhookRefused.incrementAndGet();
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String id = ex.getRequestHeaders().getFirst("webhook-id");
            String signed = id + "." + ex.getRequestHeaders().getFirst("webhook-timestamp") + "." + body;
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                String expected = "v1," + java.util.Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
                if (expected.equals(ex.getRequestHeaders().getFirst("webhook-signature"))) {
                    webhookDeliveries.merge(id, 1, Integer::sum);
                } else {
                    badSignatures.add(id);
                }
            } catch (java.security.GeneralSecurityException e) {
                badSignatures.add(id + ": " + e);
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        webhook.start();
    }

    /** Every message on the outcomes queue of the service's broker, by outcome id. */
    private Map<String, Integer> drainOutcomesQueue(int expected) throws Exception {
        // the outbox may deliver to the other sinks before the embedded broker listens on TCP: wait for readiness
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(api.replace("/api/v1/operations", "/observe/health/ready"))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        Map<String, Integer> ids = new HashMap<>();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "ontap-client", BROKER_PASSWORD);
             Connection c = factory.createConnection()) {
            c.start();
            Session session = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue("ontap.outcomes"));
            for (int i = 0; i < expected; i++) {
                Message m = consumer.receive(30_000);
                assertThat(m).as("outcome message " + (i + 1) + " of " + expected).isNotNull();
                ids.merge(JSON.readTree(((TextMessage) m).getText()).path("id").asText(), 1, Integer::sum);
            }
            // a duplicate would already be queued behind them: the broker holds nothing more
            assertThat(consumer.receive(1000)).as("a message beyond the " + expected + " outcomes").isNull();
        }
        return ids;
    }

    @Test
    void killedWithFortyJobsInFlightEveryOutcomeOnceInEverySinkAndFortyTriggers() throws Exception {
        startSimulator("300s", "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"duration\":\"6s\"}");
        startWebhookReceiver();
        startService("first.log");
        for (int i = 1; i <= 40; i++) {
            dropRequest(String.format("op-%02d", i));
        }
        // every job UUID is stored (status running): from here on a crash loses nothing
        await().atMost(Duration.ofSeconds(30)).until(() -> running() == 40);
        assertThat(simulatorStats().path("triggers").asLong()).isEqualTo(40);

        service.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful stop
        service.waitFor(10, TimeUnit.SECONDS);
        assertThat(outcomeFiles()).as("the jobs run 6 s: none ended before the kill").isZero();
        startService("second.log");

        await().atMost(Duration.ofSeconds(60)).until(() -> outcomeFiles() == 40);
        String log = Files.readString(work.resolve("second.log"));
        assertThat(log).contains("Resumed 40 unfinished operation(s)").doesNotContain(BROKER_PASSWORD);
        try (Stream<Path> files = Files.list(work.resolve("outcomes"))) {
            files.filter(p -> p.toString().endsWith(".json")).forEach(p -> {
                try {
                    JsonNode outcome = JSON.readTree(p.toFile());
                    assertThat(outcome.at("/data/status").asText()).as(p + ": " + outcome.at("/data/reason").asText()).isEqualTo("succeeded");
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
        // the webhook receiver is down: those deliveries wait in the outbox, and the service dies again
        await().atMost(Duration.ofSeconds(10)).until(() -> webhookRefused.get() >= 1);
        service.destroyForcibly();
        service.waitFor(10, TimeUnit.SECONDS);
        webhookAccepting = true;
        startService("third.log");

        // the same 40 outcomes, once each, in every sink
        await().atMost(Duration.ofSeconds(60)).until(() -> webhookDeliveries.size() == 40);
        Map<String, Integer> queued = drainOutcomesQueue(40);
        assertThat(queued).hasSize(40).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(badSignatures).isEmpty();
        assertThat(webhookDeliveries).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(webhookDeliveries.keySet()).isEqualTo(queued.keySet());
        try (Stream<Path> files = Files.list(work.resolve("outcomes"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".json")).map(this::outcomeId).collect(java.util.stream.Collectors.toSet()))
                    .isEqualTo(queued.keySet());
        }
        assertThat(simulatorStats().path("triggers").asLong()).as("the cluster saw 40 triggers, not more").isEqualTo(40);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!Files.isDirectory(work.resolve("inbox/.done"))) { // the re-read files may not have ended yet
                return false;
            }
            try (Stream<Path> done = Files.list(work.resolve("inbox/.done"))) {
                return done.count() == 40;
            }
        });
    }

    private String outcomeId(Path file) {
        try {
            return JSON.readTree(file.toFile()).path("id").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void jobDeletedWhileTheServiceWasDownEndsLost() throws Exception {
        startSimulator("1s", "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"duration\":\"3s\"}");
        startService("first.log");
        dropRequest("short-lived");
        await().atMost(Duration.ofSeconds(30)).until(() -> running() == 1);
        service.destroyForcibly();
        service.waitFor(10, TimeUnit.SECONDS);
        // the job ends after 3 s and is deleted 1 s later, while nobody watches
        await().atMost(Duration.ofSeconds(10)).until(() -> clusterJobs() == 0);

        startService("second.log");

        Path outcome = work.resolve("outcomes/inbox.short-lived.json"); // the inbox's ids start with "inbox."
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(outcome));
        JsonNode data = JSON.readTree(outcome.toFile()).get("data");
        assertThat(data.get("status").asText()).as(Files.readString(work.resolve("first.log")) + Files.readString(work.resolve("second.log"))).isEqualTo("lost");
        assertThat(data.get("reason").asText()).contains("no longer exists");
        assertThat(simulatorStats().path("triggers").asLong()).isEqualTo(1);
    }
}

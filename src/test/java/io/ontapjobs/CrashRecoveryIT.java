package io.ontapjobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service killed with SIGKILL while jobs are in flight, then started again: nothing lost, nothing triggered
 * twice. The simulator and the service are separate processes running target/ontap-jobs.jar.
 */
class CrashRecoveryIT {
    static final Path JAR = Path.of("target/ontap-jobs.jar").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path work;
    Process simulator;
    Process service;
    String url;
    String api;

    @AfterEach
    void stop() throws Exception {
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
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            pb.environment().put("ONTAP_BROKER_PORT", String.valueOf(s.getLocalPort())); // not 61616: another service may run
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

    @Test
    void killedWithFortyJobsInFlightEveryOutcomeOnceAndFortyTriggers() throws Exception {
        startSimulator("300s", "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"duration\":\"6s\"}");
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
        assertThat(log).contains("Resumed 40 unfinished operation(s)");
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

        Path outcome = work.resolve("outcomes/short-lived.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(outcome));
        JsonNode data = JSON.readTree(outcome.toFile()).get("data");
        assertThat(data.get("status").asText()).as(Files.readString(work.resolve("first.log")) + Files.readString(work.resolve("second.log"))).isEqualTo("lost");
        assertThat(data.get("reason").asText()).contains("no longer exists");
        assertThat(simulatorStats().path("triggers").asLong()).isEqualTo(1);
    }
}

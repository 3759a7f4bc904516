package io.ontapjobs.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.service.EmbeddedDefaults;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health (readiness fails while a cluster answers 401) and Prometheus metrics on the service's port. */
class ObserveTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    static Path tmp;
    static OntapSimulator sim;
    static Main main;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(300)).build());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        main = new Main();
        EmbeddedDefaults.configure(main, false);
        main.addOverrideProperty("ontap.api.port", String.valueOf(port));
        try (ServerSocket s = new ServerSocket(0)) {
            main.addOverrideProperty("ontap.broker.port", String.valueOf(s.getLocalPort())); // not 61616: another service may run
        }
        main.addOverrideProperty("ontap.inbox.dir", tmp.resolve("inbox").toString());
        main.addOverrideProperty("ontap.outcomes.dir", tmp.resolve("outcomes").toString());
        main.addOverrideProperty("ontap.state.dir", tmp.resolve("data").toString());
        main.addOverrideProperty("ontap.clusters.default.url", sim.baseUrl());
        main.addOverrideProperty("ontap.clusters.default.password", "netapp1!");
        main.addOverrideProperty("ontap.clusters.lab.url", sim.baseUrl());
        main.addOverrideProperty("ontap.clusters.lab.password", "wrong-password");
        main.start();
    }

    @AfterAll
    static void stop() {
        main.stop();
        sim.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readinessNamesTheClusterThatRefusesOurCredentials() throws Exception {
        HttpResponse<String> ready = get("/observe/health/ready?data=true");

        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("cluster lab refuses our credentials (HTTP 401)");
        assertThat(ready.body()).doesNotContain("wrong-password");
        assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsCountOutcomesRequestsAndDetection() throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/operations")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"id\":\"metered\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{}}"))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());

        await().atMost(Duration.ofSeconds(15)).until(() -> get("/observe/metrics").body()
                .contains("ontap_outcomes_total{cluster=\"default\",status=\"succeeded\"} 1.0"));
        String metrics = get("/observe/metrics").body();
        assertThat(metrics).contains("ontap_jobs_requests_total{cluster=\"default\",status=\"200\"}");
        assertThat(metrics).contains("ontap_job_detection_seconds_bucket{cluster=\"default\"");
        assertThat(metrics).contains("ontap_operations_in_flight{cluster=\"default\",status=\"running\"} 0.0");
        assertThat(metrics).contains("ontap_deliveries_pending{sink=\"file\"}");
        assertThat(metrics).contains("camel_exchanges_total");
    }
}

package io.ontapjobs.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health (readiness fails while a cluster answers 401) and Prometheus metrics on the service's port. */
class ObserveTest {
    @TempDir
    static Path tmp;
    static OntapSimulator sim;
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(300)).build());
        service = RunningService.in(tmp).cluster(sim.baseUrl())
                .property("ontap.clusters.lab.url", sim.baseUrl())
                .property("ontap.clusters.lab.password", "wrong-password")
                .start();
    }

    @AfterAll
    static void stop() {
        service.close();
        sim.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return service.get(path);
    }

    @Test
    void readinessNamesTheClusterThatRefusesOurCredentials() throws Exception {
        HttpResponse<String> ready = get("/observe/health/ready?data=true");

        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("cluster lab refuses our credentials (HTTP 401)");
        assertThat(ready.body()).doesNotContain("wrong-password");
        assertThat(ready.body()).as("the embedded broker is checked too").contains("\"name\":\"broker\",\"status\":\"UP\"");
        assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsCountOutcomesRequestsAndDetection() throws Exception {
        service.submit("{\"id\":\"metered\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{}}");

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

package io.ontapjobs.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * routes/examples/snapmirror-update-failed.yaml: a failed update is retried once after the delay; a second failure
 * in the window, or a retry that fails, publishes an alert and triggers nothing more.
 */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/examples/snapmirror-update-failed.yaml",
        "ontap.outcomes.dir=target/snapmirror-failed-test/outcomes",
        "ontap.state.dir=target/snapmirror-failed-test/data",
        "ontap.policies.file=classpath:fast-policies.yaml",
        "ontap.examples.snapmirror-retry.poll=200",
        "ontap.examples.snapmirror-retry.delay=1500",
        "ontap.examples.snapmirror-retry.window=1h",
        "ontap.clusters.default.password=netapp1!"})
class SnapmirrorUpdateFailedTest {
    static final Path ALERTS = Path.of("target/snapmirror-failed-test/outcomes/alerts");
    static final OntapSimulator SIM;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String R = "44444444-2222-3333-4444-0000000000";

    static {
        org.apache.camel.util.FileUtil.removeDir(Path.of("target/snapmirror-failed-test").toFile());
        SIM = OntapSimulator.builder().port(0).collection("/api/snapmirror/relationships", List.of(
                relationship(R + "01", "svm_dr:vol1"), relationship(R + "02", "svm_dr:vol2"))).build().start();
        SIM.addScenario(Scenario.on("POST", "/api/snapmirror/relationships/*/transfers").duration(Duration.ofMillis(200)).build());
        SIM.addScenario(Scenario.on("POST", "/api/snapmirror/relationships/" + R + "02/transfers").duration(Duration.ofMillis(200))
                .fails(13303806, "Transfer failed: destination volume is offline").build());
        System.setProperty("ontap.clusters.default.url", SIM.baseUrl());
    }

    static ObjectNode relationship(String uuid, String destination) {
        ObjectNode r = JSON.createObjectNode().put("uuid", uuid);
        r.putObject("destination").put("path", destination);
        return r;
    }

    @AfterAll
    static void stop() {
        System.clearProperty("ontap.clusters.default.url");
        SIM.close();
    }

    @Test
    void aFailureIsRetriedOnceAfterTheDelayAndASecondOneAlerts() {
        consumerPolling();
        long triggers = SIM.stats().triggers();
        int alerts = alerts("svm_dr:vol1").size();

        SIM.emitEvent("sim-01", "smc.snapmir.update.fail", "error", params("svm_dr:vol1"));
        // nothing before the delay (1.5 s) has passed, then one transfer of that relationship
        await().during(Duration.ofMillis(900)).atMost(Duration.ofMillis(1300)).until(() -> SIM.stats().triggers() == triggers);
        await().atMost(Duration.ofSeconds(30)).until(() -> SIM.stats().triggers() == triggers + 1);
        assertThat(SIM.jobPolls()).isNotEmpty();

        SIM.emitEvent("sim-02", "smc.snapmir.update.fail", "error", params("svm_dr:vol1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> alerts("svm_dr:vol1").size() == alerts + 1);
        JsonNode alert = alerts("svm_dr:vol1").get(alerts);
        assertThat(alert.get("alert").asText()).isEqualTo("failed again after a retry");
        assertThat(alert.get("event").asText()).isEqualTo("smc.snapmir.update.fail");
        assertThat(alert.has("retry_status")).isFalse();
        assertThat(SIM.stats().triggers()).as("no transfer for the second failure").isEqualTo(triggers + 1);
    }

    @Test
    void aRetryThatFailsAlertsWithItsOutcome() {
        consumerPolling();
        long triggers = SIM.stats().triggers();

        SIM.emitEvent("sim-01", "smc.snapmir.update.fail", "error", params("svm_dr:vol2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> alerts("svm_dr:vol2").size() == 1);
        JsonNode alert = alerts("svm_dr:vol2").get(0);
        assertThat(alert.get("alert").asText()).isEqualTo("the retried transfer did not succeed");
        assertThat(alert.get("retry_status").asText()).isEqualTo("failed");
        assertThat(alert.get("retry_operation").asText()).startsWith("ev-");
        assertThat(SIM.stats().triggers()).as("one retry, no more").isEqualTo(triggers + 1);
    }

    static void consumerPolling() {
        long gets = SIM.stats().emsEventGets();
        await().atMost(Duration.ofSeconds(30)).until(() -> SIM.stats().emsEventGets() >= gets + 3);
    }

    static Map<String, String> params(String dstpath) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("srcpath", "svm1:" + dstpath.substring(dstpath.indexOf(':') + 1));
        p.put("dstpath", dstpath);
        p.put("error", "Transfer failed.");
        p.put("relationshipID", "ignored-by-the-rule");
        return p;
    }

    static List<JsonNode> alerts(String dstpath) {
        if (!Files.isDirectory(ALERTS)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(ALERTS)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().map(p -> {
                try {
                    return JSON.readTree(p.toFile());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).filter(a -> a.path("parameters").path("dstpath").asText().equals(dstpath)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

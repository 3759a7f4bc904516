package io.ontapjobs.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * routes/examples/snapmirror-update.yaml: relationships matching the filter are updated; "transfer in progress"
 * is retried by the snapmirror policy; a transfer still running at the deadline is cancelled; at most
 * ontap.snapmirror.max-in-flight transfers at once.
 */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/templates.yaml,file:routes/examples/snapmirror-update.yaml",
        "ontap.outcomes.dir=target/snapmirror-test/outcomes",
        "ontap.state.dir=target/snapmirror-test/data",
        "ontap.policies.file=classpath:fast-policies.yaml",
        "ontap.snapmirror.destination=svm_dr:*",
        "ontap.snapmirror.deadline=3s",
        "ontap.snapmirror.max-in-flight=2",
        "ontap.clusters.default.password=netapp1!"})
class SnapmirrorUpdateTest {
    static final Path ROOT = Path.of("target/snapmirror-test");
    static final OntapSimulator SIM;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String R = "11111111-2222-3333-4444-0000000000";

    static {
        org.apache.camel.util.FileUtil.removeDir(ROOT.toFile());
        SIM = OntapSimulator.builder().port(0).collection("/api/snapmirror/relationships", List.of(
                relationship(R + "01", "svm_dr:vol1"), relationship(R + "02", "svm_dr:vol2"),
                relationship(R + "03", "svm_dr:vol3"), relationship(R + "04", "svm_other:vol4"))).build().start();
        SIM.addScenario(Scenario.on("POST", "/api/snapmirror/relationships/*/transfers").duration(Duration.ofMillis(300)).build());
        SIM.addScenario(Scenario.on("POST", "/api/snapmirror/relationships/" + R + "02/transfers").duration(Duration.ofMillis(200))
                .fails(13303812, "A transfer is already in progress").times(1).build());
        SIM.addScenario(Scenario.on("POST", "/api/snapmirror/relationships/" + R + "03/transfers").runsUntilCancelled().build());
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
    void matchingRelationshipsAreUpdatedRetriedOrCancelledAtTheDeadline() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> summary() != null);

        JsonNode summary = JSON.readTree(summary().toFile());
        assertThat(summary.get("total").asInt()).as("svm_other is not matched").isEqualTo(3);
        assertThat(summary.get("succeeded").asInt()).isEqualTo(2); // vol1, and vol2 on its second attempt
        assertThat(summary.get("items")).anySatisfy(i -> {
            assertThat(i.get("item").asText()).isEqualTo("svm_dr:vol3");
            assertThat(i.get("status").asText()).isEqualTo("timed_out");
        });
        assertThat(SIM.stats().triggers()).isEqualTo(4); // vol2 twice
        assertThat(SIM.stats().jobPatches()).as("the late transfer cancelled").isEqualTo(1);
        assertThat(SIM.stats().peakActiveJobs()).as("transfers at once: the cap, reached").isEqualTo(2);
    }

    private static Path summary() throws Exception {
        Path dir = ROOT.resolve("outcomes");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("snapmirror-update-")).findFirst().orElse(null);
        }
    }
}

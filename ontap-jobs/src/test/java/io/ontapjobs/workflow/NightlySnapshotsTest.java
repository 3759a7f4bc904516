package io.ontapjobs.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * routes/examples/nightly-snapshots.yaml through the ontap-fan-out template: one snapshot per volume of the SVM, at most
 * ontap.nightly.max-in-flight at once, one summary.
 */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/templates.yaml,file:routes/examples/nightly-snapshots.yaml",
        "ontap.outcomes.dir=target/nightly-test/outcomes",
        "ontap.state.dir=target/nightly-test/data",
        "ontap.policies.file=classpath:fast-policies.yaml",
        "ontap.nightly.svm=svm1",
        "ontap.nightly.period=1h",
        "ontap.nightly.max-in-flight=3",
        "ontap.clusters.default.password=netapp1!"})
class NightlySnapshotsTest {
    static final Path ROOT = Path.of("target/nightly-test");
    static final OntapSimulator SIM;
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        org.apache.camel.util.FileUtil.removeDir(ROOT.toFile());
        List<com.fasterxml.jackson.databind.node.ObjectNode> volumes = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            volumes.add(JSON.createObjectNode().put("uuid", "00000000-0000-0000-0000-0000000000" + (10 + i)).put("name", "vol" + i)
                    .set("svm", JSON.createObjectNode().put("name", i < 10 ? "svm1" : "svm2")));
        }
        SIM = OntapSimulator.builder().port(0).collection("/api/storage/volumes", volumes).build().start();
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes/*/snapshots").duration(Duration.ofMillis(500)).build());
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes/00000000-0000-0000-0000-000000000013/snapshots")
                .duration(Duration.ofMillis(300)).fails(524486, "Volume busy").build());
        System.setProperty("ontap.clusters.default.url", SIM.baseUrl());
    }

    @AfterAll
    static void stop() {
        System.clearProperty("ontap.clusters.default.url");
        SIM.close();
    }

    @Test
    void everyVolumeOfTheSvmGetsASnapshotAndOneSummaryTellsHowEachWent() throws Exception {
        Path outcomes = ROOT.resolve("outcomes");
        await().atMost(Duration.ofSeconds(60)).until(() -> summary() != null);

        JsonNode summary = JSON.readTree(summary().toFile());
        assertThat(summary.get("total").asInt()).isEqualTo(10); // svm1's volumes only
        assertThat(summary.get("not_succeeded").asInt()).isEqualTo(1); // vol3 stayed busy through the policy's retries
        assertThat(summary.get("items")).anySatisfy(i -> {
            assertThat(i.get("item").asText()).isEqualTo("vol3");
            assertThat(i.get("status").asText()).isEqualTo("failed");
        });
        assertThat(SIM.stats().triggers()).isEqualTo(9 + 3); // vol3 tried three times (the retry rule)
        assertThat(SIM.stats().peakActiveJobs()).as("snapshot jobs at once: the cap, reached").isEqualTo(3);
    }

    private static Path summary() throws Exception {
        Path dir = ROOT.resolve("outcomes");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("nightly-snapshots-")).findFirst().orElse(null);
        }
    }
}

package io.ontapjobs.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.BeanInject;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.processor.PredicateValidationException;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ontap-fan-out template's max-in-flight: at most that many ONTAP jobs of one fan-out run at once (seen by the
 * simulator, not by the client), yet that many do, and every record ends in the summary, failed or timed out ones too.
 */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/templates.yaml,classpath:workflow/capped-fan-out.yaml",
        "test.max-in-flight=3",
        "ontap.outcomes.dir=target/fan-out-cap-test/outcomes",
        "ontap.state.dir=target/fan-out-cap-test/data",
        "ontap.policies.file=classpath:fast-policies.yaml",
        "ontap.clusters.default.password=netapp1!"})
class FanOutCapTest {
    static final Path ROOT = Path.of("target/fan-out-cap-test");
    static final OntapSimulator SIM;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String VOLUME = "00000000-0000-0000-0000-0000000000";

    static {
        org.apache.camel.util.FileUtil.removeDir(ROOT.toFile());
        List<ObjectNode> volumes = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            volumes.add(JSON.createObjectNode().put("uuid", VOLUME + (10 + i)).put("name", "vol" + i));
        }
        SIM = OntapSimulator.builder().port(0).collection("/api/storage/volumes", volumes).build().start();
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes/*/snapshots").duration(Duration.ofMillis(500)).build());
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes/" + VOLUME + "13/snapshots")
                .duration(Duration.ofMillis(300)).fails(524486, "Volume busy").build());
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes/" + VOLUME + "17/snapshots").runsUntilCancelled().build()); // to its 2 s deadline
        System.setProperty("ontap.clusters.default.url", SIM.baseUrl());
    }

    @BeanInject
    ProducerTemplate template;

    @AfterAll
    static void stop() {
        System.clearProperty("ontap.clusters.default.url");
        SIM.close();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a permit never given back would hang the fan-out
    void atMostMaxInFlightJobsRunAtOnceAndEveryRecordIsSummarised() throws Exception {
        // the fan-out answers once its summary is written, so the reply itself is the synchronisation
        JsonNode summary = JSON.readTree(template.requestBody("direct:capped-fan-out", null, String.class));

        assertThat(SIM.stats().peakActiveJobs()).as("ONTAP jobs unfinished at once").isEqualTo(3);
        assertThat(summary.get("total").asInt()).isEqualTo(12);
        assertThat(summary.get("succeeded").asInt()).isEqualTo(10);
        assertThat(summary.get("items")).extracting(i -> i.get("item").asText()).containsExactlyInAnyOrder(
                "vol0", "vol1", "vol2", "vol3", "vol4", "vol5", "vol6", "vol7", "vol8", "vol9", "vol10", "vol11");
        assertThat(summary.get("items")).anySatisfy(i -> {
            assertThat(i.get("item").asText()).isEqualTo("vol3");
            assertThat(i.get("status").asText()).isEqualTo("failed");
        });
        assertThat(summary.get("items")).anySatisfy(i -> {
            assertThat(i.get("item").asText()).isEqualTo("vol7");
            assertThat(i.get("status").asText()).isEqualTo("timed_out");
        });
        assertThat(SIM.stats().triggers()).isEqualTo(12);
        assertThat(SIM.stats().jobPatches()).as("vol7 cancelled at its deadline").isEqualTo(1);
    }

    @Test
    void aCapBelowOneIsRefusedRatherThanHoldingEveryRecordBack() {
        assertThatThrownBy(() -> template.requestBody("direct:zero-cap-fan-out", null, String.class))
                .hasRootCauseInstanceOf(PredicateValidationException.class);
    }
}

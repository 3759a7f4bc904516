package io.ontapjobs.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * routes/examples/volume-nearly-full.yaml: a nearlyFull/full event grows its volume by the percentage (read, then
 * PATCH of the size), at most once per volume per window; event parameters reach the cluster as written.
 */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/examples/volume-nearly-full.yaml",
        "ontap.outcomes.dir=target/volume-grow-test/outcomes",
        "ontap.state.dir=target/volume-grow-test/data",
        "ontap.policies.file=classpath:fast-policies.yaml",
        "ontap.examples.volume-grow.delay=200",
        "ontap.examples.volume-grow.percent=10",
        "ontap.examples.volume-grow.window=30m",
        "ontap.clusters.default.password=netapp1!"})
class VolumeNearlyFullTest {
    static final Path ROOT = Path.of("target/volume-grow-test");
    static final OntapSimulator SIM;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String U = "22222222-0000-0000-0000-0000000000";
    static final String SVM = "33333333-0000-0000-0000-000000000001";
    static final long GIB100 = 100L * 1024 * 1024 * 1024;
    static final String PLACEHOLDER = "${sys:user.home}";
    static final String JSON_BREAK = "\",\"path\":\"/api/security/accounts";

    static {
        org.apache.camel.util.FileUtil.removeDir(ROOT.toFile());
        SIM = OntapSimulator.builder().port(0).collection("/api/storage/volumes", List.of(
                volume(U + "01", "vol1", GIB100), volume(U + "02", "vol2", GIB100), volume(U + "03", "vol3", 1000L * 4096),
                volume(U + "04", PLACEHOLDER, GIB100), volume(U + "05", JSON_BREAK, GIB100),
                volume(U + "06", "/home/nobody", GIB100))).build().start();
        // the PATCH goes to /api/storage/volumes/{uuid}: a PATCH of the collection (a bulk PATCH by query) would fail
        SIM.addScenario(Scenario.on("PATCH", "/api/storage/volumes").fails(1, "a bulk PATCH is not expected").build());
        System.setProperty("ontap.clusters.default.url", SIM.baseUrl());
    }

    static ObjectNode volume(String uuid, String name, long size) {
        ObjectNode v = JSON.createObjectNode().put("uuid", uuid).put("name", name).put("size", size);
        v.putObject("svm").put("name", "svm1").put("uuid", SVM);
        return v;
    }

    @AfterAll
    static void stop() {
        System.clearProperty("ontap.clusters.default.url");
        SIM.close();
    }

    @Test
    void aVolumeIsGrownOncePerWindowAndEachVolumeOnce() {
        consumerPolling();
        long triggers = SIM.stats().triggers();

        SIM.emitEvent("sim-01", "monitor.volume.nearlyFull", "error", params("vol1"));
        SIM.emitEvent("sim-01", "monitor.volume.full", "alert", params("vol1")); // same volume, same window: skipped
        SIM.emitEvent("sim-01", "monitor.volume.nearlyFull", "error", params("vol2"));
        SIM.emitEvent("sim-02", "monitor.volume.full", "alert", params("vol3"));

        await().atMost(Duration.ofSeconds(30)).until(() -> size("vol2") != GIB100 && size("vol3") != 1000L * 4096);
        await().atMost(Duration.ofSeconds(30)).until(() -> size("vol1") != GIB100);
        assertThat(size("vol1")).as("read, +10 %, PATCHed").isEqualTo(118_111_600_640L);
        assertThat(size("vol2")).isEqualTo(118_111_600_640L);
        assertThat(size("vol3")).as("rounded up to a 4 KiB block").isEqualTo(1100L * 4096);

        // a later event of a volume already grown in the window changes nothing; vol2's second event comes after it
        SIM.emitEvent("sim-01", "monitor.volume.full", "alert", params("vol1"));
        SIM.emitEvent("sim-01", "monitor.volume.full", "alert", params("vol2"));
        long gets = SIM.stats().emsEventGets();
        await().atMost(Duration.ofSeconds(30)).until(() -> SIM.stats().emsEventGets() > gets + 3);
        assertThat(SIM.stats().triggers() - triggers).as("one PATCH per volume: vol1, vol2, vol3").isEqualTo(3);
        assertThat(size("vol1")).isEqualTo(118_111_600_640L);
        assertThat(size("vol2")).isEqualTo(118_111_600_640L);
    }

    @Test
    void hostileParameterValuesReachTheClusterAsWritten() {
        consumerPolling();
        long triggers = SIM.stats().triggers();

        SIM.emitEvent("sim-01", "monitor.volume.full", "alert", params(PLACEHOLDER));
        SIM.emitEvent("sim-01", "monitor.volume.full", "alert", params(JSON_BREAK));

        // each read found the volume named literally so, and each PATCH went to that volume's uuid with a size only
        await().atMost(Duration.ofSeconds(30)).until(() -> size(PLACEHOLDER) != GIB100 && size(JSON_BREAK) != GIB100);
        assertThat(size(PLACEHOLDER)).isEqualTo(118_111_600_640L);
        assertThat(size(JSON_BREAK)).isEqualTo(118_111_600_640L);
        assertThat(size("/home/nobody")).as("a resolved placeholder would have named nothing else either").isEqualTo(GIB100);
        assertThat(SIM.stats().triggers() - triggers).isEqualTo(2);
        assertThat(SIM.records("/api/storage/volumes")).allSatisfy(v -> assertThat(v.fieldNames()).toIterable()
                .containsOnly("uuid", "name", "size", "svm", "_links"));
        assertThat(SIM.records("/api/security/accounts")).isEmpty();
    }

    /** The consumer has made its first start (and polls): events emitted from now on are new to it. */
    static void consumerPolling() {
        long gets = SIM.stats().emsEventGets();
        await().atMost(Duration.ofSeconds(30)).until(() -> SIM.stats().emsEventGets() >= gets + 3);
    }

    static Map<String, String> params(String name) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("object_type", "VOL");
        p.put("name", name);
        p.put("vserver_uuid", SVM);
        p.put("percent_full_blocks", "98");
        p.put("percent_full_inodes", "0");
        return p;
    }

    static long size(String name) {
        return SIM.records("/api/storage/volumes").stream().filter(v -> v.get("name").asText().equals(name))
                .findFirst().orElseThrow().get("size").asLong();
    }
}

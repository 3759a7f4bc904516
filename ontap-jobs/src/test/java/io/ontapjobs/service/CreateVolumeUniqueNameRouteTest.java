package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** routes/create-volume-unique-name.yaml: a taken name (job code 1) makes the route retry with another body. */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/create-volume-unique-name.yaml",
        "ontap.inbox.dir=target/unique-name-test/inbox",
        "ontap.outcomes.dir=target/unique-name-test/outcomes",
        "ontap.state.dir=target/unique-name-test/data",
        "ontap.policies.file=config/policies.yaml",
        "ontap.clusters.default.password=netapp1!"})
class CreateVolumeUniqueNameRouteTest {
    static final Path ROOT = Path.of("target/unique-name-test");
    static final OntapSimulator SIM;

    static {
        SIM = OntapSimulator.builder().port(0).build().start();
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).build());
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes").bodyContains("\"name\":\"vol1\"")
                .duration(Duration.ofMillis(200)).fails(1, "duplicate entry").build());
        System.setProperty("ontap.clusters.default.url", SIM.baseUrl());
        org.apache.camel.util.FileUtil.removeDir(ROOT.toFile());
    }

    @BeanInject
    CamelContext context;

    @AfterAll
    static void stop() {
        System.clearProperty("ontap.clusters.default.url");
        SIM.close();
    }

    @Test
    void takenNameIsRetriedWithASuffix() throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("create-volume-unique-name").whenDone(1).create();
        Path dir = Files.createDirectories(ROOT.resolve("inbox/volumes"));
        Files.writeString(dir.resolve("vol1.json"), "{\"name\":\"vol1\",\"svm\":{\"name\":\"svm1\"}}");

        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();

        org.awaitility.Awaitility.await().until(() -> Files.exists(ROOT.resolve("outcomes/create-vol1-renamed.json")));
        var first = new ObjectMapper().readTree(ROOT.resolve("outcomes/create-vol1.json").toFile());
        var renamed = new ObjectMapper().readTree(ROOT.resolve("outcomes/create-vol1-renamed.json").toFile());
        assertThat(first.at("/data/job/code").asLong()).isEqualTo(1);
        assertThat(renamed.at("/data/status").asText()).isEqualTo("succeeded");
        assertThat(SIM.stats().triggers()).isEqualTo(2);
        assertThat(SIM.records("/api/storage/volumes")).anySatisfy(r -> assertThat(r.get("name").asText()).isEqualTo("vol1_2"));
    }
}

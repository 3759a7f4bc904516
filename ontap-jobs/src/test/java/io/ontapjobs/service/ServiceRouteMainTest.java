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

/** routes/service.yaml under Camel Main (camel-test-main-junit5), pointed at a simulator that fails one operation. */
@CamelMainTest(configurationClasses = io.ontapjobs.service.OutcomeDelivery.class, properties = {
        "camel.main.routes-include-pattern=file:routes/service.yaml",
        "ontap.inbox.dir=target/service-route-test/inbox",
        "ontap.outcomes.dir=target/service-route-test/outcomes",
        "ontap.state.dir=target/service-route-test/data",
        "ontap.requests.queue=ontap.requests",
        "ontap.requests.enabled=false",
        // no broker here: the queue route is built but never started, so its connection factory is never used
        "camel.component.jms.connection-factory=#class:org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory",
        "ontap.policies.file=config/policies.yaml",
        "ontap.clusters.default.username=admin",
        "ontap.clusters.default.password=netapp1!",
        "ontap.clusters.default.allow=POST /api/**",
        // the requests-queue route needs a broker: an in-VM Artemis one (started below), as serve wires the embedded one
        "camel.component.jms.connection-factory=#class:org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory('vm://0')"})
class ServiceRouteMainTest {
    static final Path ROOT = Path.of("target/service-route-test");
    static final OntapSimulator SIM;
    static final io.ontapjobs.broker.EmbeddedBroker BROKER;

    static {
        SIM = OntapSimulator.builder().port(0).build().start();
        BROKER = new io.ontapjobs.broker.EmbeddedBroker(ROOT.resolve("broker"), "127.0.0.1", freePort(), java.util.List.of());
        SIM.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).fails(917927, "Volume already exists").build());
        // Camel Main reads the cluster URL like any other property; this one only exists at run time.
        System.setProperty("ontap.clusters.default.url", SIM.baseUrl());
        org.apache.camel.util.FileUtil.removeDir(ROOT.toFile());
        BROKER.start();
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeanInject
    CamelContext context;

    @AfterAll
    static void stop() {
        System.clearProperty("ontap.clusters.default.url");
        SIM.close();
        BROKER.stop();
    }

    @Test
    void theEmsConsumersBookmarksAreKeptInTheStore() {
        var ontap = context.getComponent("ontap", io.ontapjobs.component.OntapComponent.class);
        assertThat(ontap.getEventBookmarks()).isInstanceOf(io.ontapjobs.store.StoreEventBookmarks.class)
                .isSameAs(context.getRegistry().lookupByName("ontapEventBookmarks"));
    }

    @Test
    void failedJobOutcomeIsWrittenWithItsCode() throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("inbox-to-outcome").whenDone(1).create();
        Files.createDirectories(ROOT.resolve("inbox"));
        Files.writeString(ROOT.resolve("inbox/.req.tmp"), "{\"id\":\"vol-x\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"x\"}}");
        Files.move(ROOT.resolve("inbox/.req.tmp"), ROOT.resolve("inbox/req.json"));

        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();
        org.awaitility.Awaitility.await().until(() -> Files.exists(ROOT.resolve("outcomes/inbox.vol-x.json"))); // from the outbox; the inbox's ids start with "inbox."

        var outcome = new ObjectMapper().readTree(ROOT.resolve("outcomes/inbox.vol-x.json").toFile());
        assertThat(outcome.get("type").asText()).isEqualTo("ontap.operation.failed");
        assertThat(outcome.at("/data/job/code").asLong()).isEqualTo(917927);
        assertThat(SIM.stats().triggers()).isEqualTo(1);
    }
}

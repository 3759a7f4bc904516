package io.ontapjobs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java DSL example does what routes/service.yaml does. */
class InboxToOutcomeRouteTest extends CamelTestSupport {
    static OntapSimulator sim;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.put("ontap.inbox.dir", tmp.resolve("inbox").toString());
        p.put("ontap.outcomes.dir", tmp.resolve("outcomes").toString());
        return p;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        OntapComponent ontap = new OntapComponent();
        ontap.addCluster(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        context.addComponent("ontap", ontap);
        return context;
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new InboxToOutcomeRoute();
    }

    @Test
    void requestFileBecomesOutcomeFile() throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).whenDone(2).create();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(inbox.resolve("a.json"), "{\"id\":\"java-vol\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{}}");
        Files.writeString(inbox.resolve("b.json"), "{\"id\":\"../etc/passwd\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");

        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();

        var outcome = new ObjectMapper().readTree(tmp.resolve("outcomes/java-vol.json").toFile());
        assertThat(outcome.at("/data/status").asText()).isEqualTo("succeeded");
        assertThat(Files.readString(inbox.resolve(".rejected/b.json.reason.txt"))).startsWith("id: not allowed");
        assertThat(sim.stats().triggers()).isEqualTo(1);
    }
}

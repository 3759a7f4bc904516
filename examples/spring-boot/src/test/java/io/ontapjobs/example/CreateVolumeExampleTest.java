package io.ontapjobs.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application as Spring Boot starts it (application.properties, the YAML routes, camel-ontap and its starter found
 * on the class path), against an ONTAP simulator on a free port in place of a cluster. Each test scripts how the volume's job ends
 * and checks which branch of the route took it.
 */
@CamelSpringBootTest
@SpringBootTest(properties = {"example.create-on-start=false", "camel.main.run-controller=false"})
class CreateVolumeExampleTest {
    static final String VOLUMES = "/api/storage/volumes";
    static final OntapSimulator SIM = OntapSimulator.builder().port(0).username("admin").password("netapp1!").build().start();

    /** The simulator stands in for cluster "default": the camel.component.ontap.* keys application.properties sets, pointed at it. */
    @DynamicPropertySource
    static void cluster(DynamicPropertyRegistry registry) {
        registry.add("camel.component.ontap.url", SIM::baseUrl);
        registry.add("camel.component.ontap.username", () -> "admin");
        registry.add("camel.component.ontap.password", () -> "netapp1!");
    }

    @AfterAll
    static void stopSimulator() {
        SIM.close();
    }

    @Autowired
    CamelContext camel;
    @Autowired
    ProducerTemplate template;

    @BeforeEach
    void resetSimulator() {
        SIM.clearScenarios();
        SIM.clearFaults();
        SIM.stats().reset();
    }

    @Test
    void theClusterIsTheOneTheComponentsOptionsDefine() {
        // camel.component.ontap.* reached the component (camel-ontap-starter), and ontap:default took its cluster from them
        OntapComponent ontap = camel.getComponent("ontap", OntapComponent.class);
        assertThat(ontap.getConfiguration().getUrl()).isEqualTo(SIM.baseUrl());
        ClusterConfig cluster = ontap.clusterConfig("default");
        assertThat(cluster.url().toString()).isEqualTo(SIM.baseUrl());
        assertThat(cluster.username()).isEqualTo("admin");
        assertThat(cluster.requestTimeout()).as("camel.component.ontap.request-timeout").isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void succeededJobTakesTheCreatedBranch() {
        SIM.addScenario(Scenario.on("POST", VOLUMES).duration(Duration.ofMillis(300)).progress("Creating volume").build());
        NotifyBuilder created = new NotifyBuilder(camel).wereSentTo("direct:volume-created").whenDone(1).create();

        Exchange done = createVolume("vol_created");

        assertThat(done.getException()).isNull();
        assertThat(done.getMessage().getHeader("volumeOutcome")).isEqualTo("created");
        assertThat(done.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        String job = done.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        // the route went on only once the job had ended: the cluster says so too
        assertThat(SIM.job(job)).get().extracting(j -> j.get("state").asText()).isEqualTo("success");
        assertThat(SIM.records(VOLUMES)).anySatisfy(v -> assertThat(v.get("name").asText()).isEqualTo("vol_created"));
        assertThat(SIM.stats().triggers()).isEqualTo(1);
        assertThat(created.matches(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void alreadyExistsTakesTheExistsBranchAndFindsTheVolume() {
        // a first run creates the volume ...
        assertThat(createVolume("vol_twice").getMessage().getHeader("volumeOutcome")).isEqualTo("created");
        String uuid = SIM.records(VOLUMES).stream().filter(v -> v.get("name").asText().equals("vol_twice"))
                .findFirst().orElseThrow().get("uuid").asText();
        // ... a second one's job fails the way ONTAP's does for a name that is taken
        SIM.addScenario(Scenario.on("POST", VOLUMES).bodyContains("vol_twice").duration(Duration.ofMillis(200))
                .fails(917927, "Volume vol_twice already exists in Vserver vs0.", "name").build());
        NotifyBuilder exists = new NotifyBuilder(camel).wereSentTo("direct:volume-exists").whenDone(1).create();
        NotifyBuilder created = new NotifyBuilder(camel).wereSentTo("direct:volume-created").whenDone(1).create();

        Exchange done = createVolume("vol_twice");

        assertThat(done.getException()).isNull();
        assertThat(done.getMessage().getHeader("volumeOutcome")).isEqualTo("exists");
        assertThat(done.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("failed");
        assertThat(done.getMessage().getHeader(OntapConstants.JOB_CODE)).isEqualTo("917927");
        assertThat(done.getMessage().getHeader("volumeUuid")).isEqualTo(uuid);
        assertThat(SIM.stats().triggers()).isEqualTo(2);
        assertThat(exists.matches(5, TimeUnit.SECONDS)).isTrue();
        assertThat(created.matches()).as("the created branch, for the refused run").isFalse();
    }

    @Test
    void anyOtherFailureTakesTheFailedBranch() {
        SIM.addScenario(Scenario.on("POST", VOLUMES).duration(Duration.ofMillis(200))
                .fails(917536, "Insufficient space in aggregate.").build());
        NotifyBuilder failed = new NotifyBuilder(camel).wereSentTo("direct:volume-failed").whenDone(1).create();

        Exchange done = createVolume("vol_nospace");

        assertThat(done.getException()).isNull();
        assertThat(done.getMessage().getHeader("volumeOutcome")).isEqualTo("failed");
        assertThat(done.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("failed");
        assertThat(done.getMessage().getHeader(OntapConstants.JOB_CODE)).isEqualTo("917536");
        assertThat(SIM.records(VOLUMES)).noneSatisfy(v -> assertThat(v.get("name").asText()).isEqualTo("vol_nospace"));
        assertThat(failed.matches(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aNameThatIsNoPlainOntapNameIsRefusedBeforeAnythingIsSent() {
        SIM.stats().reset();

        Exchange done = createVolume("x\", \"aggregates\": [{\"name\": \"aggr_other\"}], \"y\": \"");

        assertThat(done.getException()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("volumeName, svm or size");
        assertThat(SIM.stats().triggers()).isZero();
    }

    /** Request/reply: returns when the route has finished, i.e. after the job ended and the branch ran. */
    private Exchange createVolume(String name) {
        return template.request("direct:create-volume", e -> e.getIn().setHeaders(
                new java.util.HashMap<>(Map.of("volumeName", name, "svm", "vs0", "size", "100m"))));
    }
}

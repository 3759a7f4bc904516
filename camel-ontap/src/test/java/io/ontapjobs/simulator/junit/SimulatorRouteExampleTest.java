package io.ontapjobs.simulator.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example of docs/simulator.md "Testing your routes against the simulator", kept compiling and green here. */
@OntapSimulatorTest(exposeAsClusterDefault = true)
class SimulatorRouteExampleTest {

    @TempDir
    Path dir;

    @Test
    void createVolumeRouteWaitsForTheJob(OntapSimulator sim) throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes")
                .duration(Duration.ofMillis(300)).progress("Creating volume").build());
        Path route = Files.writeString(dir.resolve("create-volume.yaml"), """
                - route:
                    from:
                      uri: direct:create-volume
                      steps:
                        - to: "ontap:default?method=POST&path=/api/storage/volumes&timeout=20s"
                """);
        // the application's own configuration names a real cluster: the simulator's system properties win over it
        Path properties = Files.writeString(dir.resolve("application.properties"), """
                camel.component.ontap.url = https://cluster1.example.com
                camel.component.ontap.password = not-in-a-test
                """);

        Main main = new Main();
        main.setDefaultPropertyPlaceholderLocation("file:" + properties);
        main.configure().withRoutesIncludePattern("file:" + route);
        main.start();
        try {
            Exchange done = main.getCamelTemplate().send("direct:create-volume",
                    e -> e.getIn().setBody("{\"name\":\"vol1\",\"svm\":{\"name\":\"svm1\"}}"));

            assertThat(done.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
            assertThat(sim.stats().triggers()).isEqualTo(1);
        } finally {
            main.stop();
        }
    }
}

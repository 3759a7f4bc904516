package io.ontapjobs.simulator.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.time.Duration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The example of docs/simulator.md "Testing your routes against the simulator", kept compiling and green here. */
@OntapSimulatorTest(exposeAsClusterDefault = true)
class SimulatorRouteExampleTest {

    @Test
    void createVolumeRouteWaitsForTheJob(OntapSimulator sim) throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes")
                .duration(Duration.ofMillis(300)).progress("Creating volume").build());

        try (CamelContext camel = new DefaultCamelContext()) {
            // cluster "default" comes from the system properties the extension set
            camel.addComponent("ontap", new OntapComponent());
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:create-volume")
                            .to("ontap:default?method=POST&path=/api/storage/volumes&timeout=20s");
                }
            });
            camel.start();
            ProducerTemplate template = camel.createProducerTemplate();

            Exchange done = template.send("direct:create-volume",
                    e -> e.getIn().setBody("{\"name\":\"vol1\",\"svm\":{\"name\":\"svm1\"}}"));

            assertThat(done.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
            assertThat(sim.stats().triggers()).isEqualTo(1);
        }
    }
}

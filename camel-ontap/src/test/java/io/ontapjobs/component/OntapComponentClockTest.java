package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.time.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The component takes the registry's clock: its operations then wait, retry and time out on that clock's time. */
class OntapComponentClockTest extends CamelTestSupport {
    static final Instant ORIGIN = Instant.parse("2030-01-01T00:00:00Z");
    final VirtualClock clock = new VirtualClock(ORIGIN);
    final OntapSimulator sim = OntapSimulator.builder().port(0).clock(clock.asClock()).build().start();

    @AfterEach
    void stopSimulator() {
        sim.close();
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        context.getRegistry().bind("clock", clock);
        OntapComponent ontap = new OntapComponent();
        ontap.addCluster(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        ontap.setPolicies(Policies.parse("""
                policies:
                  default:
                    poll: {initial: 200ms, max: 200ms, multiplier: 1.0, jitter: 0}
                    timeout: 1h
                """, "test-policies.yaml"));
        context.addComponent("ontap", ontap);
        return context;
    }

    @Test
    void anOperationTimesOutWhenTheRegistrysClockSaysSo() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());
        var endpoint = context.getEndpoint("ontap:default?method=POST&path=/api/snapmirror/relationships/r1/transfers&timeout=1m");
        var producer = org.apache.camel.support.AsyncProcessorConverterHelper.convert(endpoint.createProducer());
        Exchange x = endpoint.createExchange();
        x.getIn().setBody("{}");

        CompletableFuture<Exchange> sent = producer.processAsync(x);
        org.awaitility.Awaitility.await().until(() -> sim.stats().triggers() == 1
                && context.getComponent("ontap", OntapComponent.class).cluster("default").tracker().watching() == 1);
        // an hour of real time would not end it; a virtual minute does, at that minute
        clock.advance(Duration.ofMinutes(1));
        Exchange e = sent.get(30, TimeUnit.SECONDS);

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("timed_out");
        var event = new ObjectMapper().readTree(e.getMessage().getBody(String.class));
        assertThat(event.get("time").asText()).isEqualTo("2030-01-01T00:01:00Z");
    }
}

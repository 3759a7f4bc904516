package io.ontapjobs.simulator.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.simulator.EmittedEvent;
import io.ontapjobs.simulator.OntapSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** EMS through the extension: the injected simulator emits events; the annotation's scenario file shapes the cluster. */
@OntapSimulatorTest(scenarios = "simulator/ems-scenarios.yaml", perMethod = true)
class OntapSimulatorEmsExtensionTest {

    @Test
    void theInjectedSimulatorEmitsEventsThatTheRestApiServes(OntapSimulator sim, SimulatorEndpoint ep) throws Exception {
        assertThat(sim.nodeNames()).containsExactly("lab-01", "lab-02", "lab-03");
        EmittedEvent e = sim.emitEvent("lab-03", "monitor.volume.full", "alert", Map.of("name", "vol1"));
        assertThat(e.index()).as("lab-03's second event: the file's came first").isEqualTo(2);

        HttpRequest get = HttpRequest.newBuilder(URI.create(ep.url() + "/api/support/ems/events?node.name=lab-03&fields=message.name"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (ep.username() + ":" + ep.password()).getBytes(StandardCharsets.UTF_8)))
                .build();
        String body = HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.ofString()).body();

        assertThat(body).contains("\"num_records\":2").contains("callhome.arw.activity.seen").contains("monitor.volume.full");
        assertThat(sim.stats().emsEventGets()).isEqualTo(1);
    }
}

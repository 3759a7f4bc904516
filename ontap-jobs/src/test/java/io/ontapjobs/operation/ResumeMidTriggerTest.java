package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.store.OperationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service died after recording "triggering" and before the cluster's answer was stored: the trigger may or
 * may not have reached the cluster. On restart it is sent again only when the request is idempotent or its
 * policy allows retry-unsafe; otherwise the outcome is lost, with the reason, and nothing is sent.
 */
class ResumeMidTriggerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    private static void diedWhileTriggering(OperationStore store, String requestJson) {
        OperationRequest request = OperationRequest.fromJson(requestJson);
        store.insert(request.id(), request.cluster(), request.toJson(), Instant.now());
        store.triggering(request.id(), 1);
    }

    private JsonNode outcome(String id) throws Exception {
        Path file = tmp.resolve("outcomes/" + id + ".json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(file));
        return JSON.readTree(file.toFile()).path("data");
    }

    @Test
    void onlyIdempotentRequestsOrRetryUnsafePoliciesAreTriggeredAgain() throws Exception {
        Path policies = tmp.resolve("policies.yaml");
        Files.writeString(policies, """
                policies:
                  default:
                    poll: {initial: 100ms, max: 1s}
                  create-if-absent:
                    poll: {initial: 100ms, max: 1s}
                    retry-unsafe: true
                """);
        try (OperationStore store = OperationStore.embedded(tmp.resolve("data"))) {
            diedWhileTriggering(store, "{\"id\":\"plain\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"a\"}}");
            diedWhileTriggering(store, "{\"id\":\"marked\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"b\"},\"idempotent\":true}");
            diedWhileTriggering(store, "{\"id\":\"by-policy\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"c\"},\"policy\":\"create-if-absent\"}");
        }
        try (OntapSimulator sim = OntapSimulator.builder().port(0).build().start()) {
            sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).build());
            try (RunningService service = RunningService.in(tmp).cluster(sim.baseUrl())
                    .property("ontap.policies.file", policies.toString()).start()) {

                JsonNode lost = outcome("plain");
                assertThat(lost.path("status").asText()).isEqualTo("lost");
                assertThat(lost.path("reason").asText()).contains("may or may not have reached the cluster")
                        .contains("idempotent").contains("retry-unsafe");
                assertThat(outcome("marked").path("status").asText()).isEqualTo("succeeded");
                assertThat(outcome("by-policy").path("status").asText()).isEqualTo("succeeded");
                assertThat(sim.stats().triggers()).as("sent again: the idempotent one and the retry-unsafe one").isEqualTo(2);
            }
        }
    }
}

package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.simulator.SimClient.Res;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatorControlApiTest {
    private OntapSimulator sim;
    private SimClient client;
    private SimClient anonymous;

    @BeforeEach
    void start() {
        sim = OntapSimulator.builder().build().start();
        client = new SimClient(sim);
        anonymous = new SimClient(sim).noAuth();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void statsAndReset() throws Exception {
        String uuid = client.start("/api/storage/volumes", "{}");
        client.get("/api/cluster/jobs/" + uuid);
        client.get("/api/cluster/jobs");
        client.patch("/api/cluster/jobs/" + uuid + "?action=pause", "{}");
        anonymous.get("/api/cluster/jobs");
        Res stats = anonymous.get("/_simulator/stats");
        assertThat(stats.status()).isEqualTo(200);
        assertThat(stats.json().path("triggers").asLong()).isEqualTo(1);
        assertThat(stats.json().path("job_gets").asLong()).isEqualTo(1);
        assertThat(stats.json().path("job_list_gets").asLong()).isEqualTo(1);
        assertThat(stats.json().path("job_patches").asLong()).isEqualTo(1);
        assertThat(stats.json().path("unauthorized").asLong()).isEqualTo(1);
        assertThat(stats.json().path("total").asLong()).isEqualTo(5);
        assertThat(sim.stats().snapshot()).containsEntry("total", 5L);
        assertThat(anonymous.post("/_simulator/stats/reset", "").status()).isEqualTo(200);
        assertThat(sim.stats().total()).isZero();
        assertThat(anonymous.get("/_simulator/nothing").status()).isEqualTo(404);
    }

    @Test
    void scenariosOverHttp() throws Exception {
        Res added = anonymous.post("/_simulator/scenarios", """
                {"method": "POST", "path": "/api/storage/volumes*", "duration": "100ms",
                 "fails": {"code": 524486, "message": "Volume busy"}, "progress": ["working"]}""");
        assertThat(added.status()).isEqualTo(201);
        assertThat(anonymous.get("/_simulator/scenarios").json().path("scenarios")).hasSize(1);
        String uuid = client.start("/api/storage/volumes", "{}");
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(uuid).equals("failure"));
        assertThat(sim.job(uuid).orElseThrow().path("code").asLong()).isEqualTo(524486);

        anonymous.post("/_simulator/scenarios", "{\"method\": \"POST\", \"path\": \"/api/x\", \"trigger-status\": 400, "
                + "\"trigger-error\": {\"code\": 262197, \"message\": \"bad size\", \"target\": \"size\"}}");
        Res refused = client.post("/api/x", "{}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("error").path("target").asText()).isEqualTo("size");

        assertThat(anonymous.delete("/_simulator/scenarios").status()).isEqualTo(200);
        assertThat(client.post("/api/x", "{}").status()).isEqualTo(202);
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() throws Exception {
        Res r = anonymous.post("/_simulator/scenarios", "{\"method\": \"POST\", \"path\": \"/api/x\", \"durration\": \"1s\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("error").path("message").asText()).contains("durration").contains("duration");
        assertThat(r.json().path("error").path("target").asText()).isEqualTo("durration");
        Res nested = anonymous.post("/_simulator/scenarios", "{\"path\": \"/api/x\", \"fails\": {\"cod\": 1}}");
        assertThat(nested.status()).isEqualTo(400);
        assertThat(nested.json().path("error").path("message").asText()).contains("'cod'").contains("fails");
        Res badDuration = anonymous.post("/_simulator/scenarios", "{\"path\": \"/api/x\", \"duration\": \"soon\"}");
        assertThat(badDuration.status()).isEqualTo(400);
        assertThat(badDuration.json().path("error").path("message").asText()).contains("duration").contains("soon");
        Res noPath = anonymous.post("/_simulator/scenarios", "{\"method\": \"POST\"}");
        assertThat(noPath.status()).isEqualTo(400);
        assertThat(noPath.json().path("error").path("message").asText()).contains("path");
        Res badFault = anonymous.post("/_simulator/faults", "{\"path\": \"/api/*\", \"stauts\": 503}");
        assertThat(badFault.status()).isEqualTo(400);
        assertThat(badFault.json().path("error").path("message").asText()).contains("stauts");
        Res twoKinds = anonymous.post("/_simulator/faults", "{\"path\": \"/api/*\", \"status\": 503, \"drop\": true}");
        assertThat(twoKinds.status()).isEqualTo(400);
        assertThat(anonymous.post("/_simulator/faults", "not json").status()).isEqualTo(400);
        assertThat(anonymous.get("/_simulator/scenarios").json().path("scenarios")).isEmpty();
    }

    @Test
    void faultsOverHttp() throws Exception {
        Res added = anonymous.post("/_simulator/faults",
                "{\"method\": \"GET\", \"path\": \"/api/cluster/jobs*\", \"status\": 503, \"retry-after\": \"2s\", \"times\": 1}");
        assertThat(added.status()).isEqualTo(201);
        Res r = client.get("/api/cluster/jobs");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isEqualTo("2");
        assertThat(client.get("/api/cluster/jobs").status()).isEqualTo(200);
        anonymous.post("/_simulator/faults", "{\"path\": \"*\", \"drop\": true}");
        // the control API is never faulted, so the fault can be cleared
        assertThat(anonymous.get("/_simulator/faults").json().path("faults")).hasSize(1);
        assertThat(anonymous.delete("/_simulator/faults").status()).isEqualTo(200);
        assertThat(client.get("/api/cluster/jobs").status()).isEqualTo(200);
        anonymous.post("/_simulator/faults", "{\"path\": \"/api/*\", \"latency\": \"50ms\", \"times\": 1, \"probability\": 1}");
        assertThat(client.get("/api/cluster/jobs").status()).isEqualTo(200);
        assertThat(sim.stats().faultsInjected()).isEqualTo(2);
    }
}

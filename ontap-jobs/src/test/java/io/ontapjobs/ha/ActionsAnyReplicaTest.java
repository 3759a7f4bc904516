package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.RunningService;
import io.ontapjobs.simulator.Fault;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two replicas (file-lock cluster service, one PostgreSQL database): cancel, pause and resume sent to the replica that
 * does not own the operation's ONTAP cluster act on its job, answer as the owner would, and a cancelled operation ends
 * {@code cancelled}, its outcome delivered once.
 */
class ActionsAnyReplicaTest extends InProcessReplicasTest {
    static final Duration LEASE = Duration.ofSeconds(3);

    @Test
    void cancelPauseAndResumeWorkThroughTheReplicaThatDoesNotOwnTheCluster() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(3), HaFixture.fileLocks(tmp, LEASE));
        ha.start("r1");
        ha.start("r2");
        String ownerName = ha.awaitOneOwnerEach(Duration.ofSeconds(15)).get("default");
        RunningService owner = ha.replicas.get(ownerName);
        RunningService other = ha.replicas.get(ownerName.equals("r1") ? "r2" : "r1");
        assertThat(HaFixture.ha(other).owned()).doesNotContain("default");

        // the fixture's "long" volumes run for 40 s: time enough for every action
        String id = "long-actions";
        String api = "/api/v1/operations/" + id;
        HttpResponse<String> submitted = other.submit(HaFixture.request(id, "default"));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> "running".equals(ha.statuses(java.util.Set.of(id)).get(id)));
        String job = ha.json(ha.store.find(id).orElseThrow().jobs()).get(0).asText();
        assertThat(jobState(job)).isEqualTo("running");

        HttpResponse<String> pause = other.post(api + "/pause");
        assertThat(pause.statusCode()).as(pause.body()).isEqualTo(200);
        assertThat(ha.json(pause.body()).path("accepted").asBoolean()).isTrue();
        assertThat(ha.json(pause.body()).path("job").asText()).isEqualTo(job);
        assertThat(jobState(job)).isEqualTo("paused");
        // ONTAP's refusal, as the owner gives it
        HttpResponse<String> pausedAgain = other.post(api + "/pause");
        HttpResponse<String> pausedAgainAtOwner = owner.post(api + "/pause");
        assertThat(pausedAgain.statusCode()).isEqualTo(409).isEqualTo(pausedAgainAtOwner.statusCode());
        assertThat(ha.json(pausedAgain.body()).at("/error/code").asText()).isEqualTo("458776");
        assertThat(pausedAgain.body()).isEqualTo(pausedAgainAtOwner.body());

        HttpResponse<String> resume = other.post(api + "/resume");
        assertThat(resume.statusCode()).as(resume.body()).isEqualTo(200);
        assertThat(jobState(job)).isEqualTo("running");

        HttpResponse<String> cancel = other.post(api + "/cancel");
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(jobState(job)).isEqualTo("failure");
        assertThat(ha.first.job(job).orElseThrow().path("code").asLong()).as("cancelled by user").isEqualTo(458790);

        // the owner ends it cancelled, not failed, and every replica shows it so
        await().atMost(Duration.ofSeconds(20)).until(() -> "cancelled".equals(ha.statuses(java.util.Set.of(id)).get(id)));
        for (RunningService r : ha.replicas.values()) {
            JsonNode view = ha.json(r.get(api).body());
            assertThat(view.path("status").asText()).isEqualTo("cancelled");
            assertThat(view.path("reason").asText()).isEqualTo("cancelled on request");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ha.store.outbox().pending("webhook-1") == 0 && ha.store.outbox().pending("jms") == 0
                && ha.store.outbox().pending("file") == 0);
        assertThat(ha.webhooks.get(id).get()).as("the outcome once to the webhook").isEqualTo(1);
        assertThat(ha.drainOutcomesQueue()).as("the outcome once on the queue").isEqualTo(Map.of(id, 1));
        assertThat(ha.outcomeFiles()).as("one outcome file, by one replica").isEqualTo(Map.of(id, 1));
        assertThat(ha.first.stats().triggers()).as("triggered once, by the owner").isEqualTo(1);

        // ended, or unknown: the same answer from either replica
        HttpResponse<String> late = other.post(api + "/cancel");
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(ha.json(late.body()).at("/error/message").asText()).isEqualTo("operation '" + id + "' has ended (cancelled)");
        assertThat(late.body()).isEqualTo(owner.post(api + "/cancel").body());
        HttpResponse<String> unknown = other.post("/api/v1/operations/no-such-operation/resume");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo(owner.post("/api/v1/operations/no-such-operation/resume").body());

        // still being triggered (the cluster answers the trigger late): no job to act on yet, nothing sent
        ha.first.addFault(Fault.on("POST", "/api/storage/volumes").latency(Duration.ofSeconds(10)).times(1).build());
        String slow = "slow-trigger";
        assertThat(other.submit(HaFixture.request(slow, "default")).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(5)).until(() -> "triggering".equals(ha.statuses(java.util.Set.of(slow)).get(slow)));
        long patches = ha.first.stats().jobPatches();
        HttpResponse<String> early = other.post("/api/v1/operations/" + slow + "/cancel");
        assertThat(early.statusCode()).isEqualTo(409);
        assertThat(ha.json(early.body()).at("/error/message").asText()).isEqualTo("operation '" + slow + "' has no job running yet");
        assertThat(early.body()).isEqualTo(owner.post("/api/v1/operations/" + slow + "/cancel").body());
        assertThat(ha.first.stats().jobPatches()).isEqualTo(patches);
        assertThat(ha.store.find(slow).orElseThrow().cancelRequest()).isNull();
    }

    private String jobState(String uuid) {
        return ha.first.job(uuid).orElseThrow().path("state").asText();
    }
}

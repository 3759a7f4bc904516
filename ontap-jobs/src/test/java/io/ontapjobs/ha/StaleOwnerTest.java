package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.RunningService;
import io.ontapjobs.operation.StoredOperation;
import io.ontapjobs.store.Fencing;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A replica that still believes it owns a cluster after another claimed it (its lease ran out while it was paused):
 * it finds the newer epoch in the store, drops its run and no longer counts itself the owner, so it records and
 * publishes nothing when the job ends. (Had it tried, the store would refuse the step: {@code PostgresFencingTest}.)
 */
class StaleOwnerTest extends InProcessReplicasTest {

    @Test
    void aStaleOwnerRecordsNoOutcomeAndPublishesNothing() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(2), HaFixture.fileLocks(tmp, Duration.ofSeconds(3)));
        RunningService r1 = ha.start("r1");
        ha.awaitOneOwnerEach(Duration.ofSeconds(15));
        assertThat(r1.submit(HaFixture.request("stale-1", "default")).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> ha.store.find("stale-1").map(StoredOperation::status).orElse("").equals("running"));
        String job = ha.json(ha.store.find("stale-1").orElseThrow().jobs()).get(0).asText();

        // another replica claims the cluster behind r1's back, as one whose lease r1 outlived would
        long epoch = ha.store.epochs().claim("default", new Fencing("usurper"));

        // r1 finds the newer epoch at its next tick (or, were its job to end first, when the store refuses its outcome)
        await().atMost(Duration.ofSeconds(15)).until(() -> !HaFixture.ha(r1).owned().contains("default"));
        await().atMost(Duration.ofSeconds(15)).until(() -> ha.first.endInstant(job).isPresent());
        StoredOperation stored = ha.store.find("stale-1").orElseThrow();
        assertThat(stored.status()).as("r1 ended nothing, although its job ended").isEqualTo("running");
        assertThat(stored.outcome()).isNull();
        assertThat(ha.store.epochs().owner("default").orElseThrow().epoch()).isEqualTo(epoch);
        assertThat(ha.store.outbox().pending("webhook-1")).as("nothing queued for the sinks").isZero();
        assertThat(HaFixture.ha(r1).state()).containsEntry("default", "fenced out").containsEntry("second", "owner");
        JsonNode view = ha.json(r1.get("/api/v1/operations/stale-1").body());
        assertThat(view.path("status").asText()).as("r1 answers from the store").isEqualTo("running");
        assertThat(ha.first.stats().triggers()).isEqualTo(1);
        assertThat(ha.webhooks).isEmpty();

        // an unreachable ONTAP cluster is shown, but keeps no replica from being ready (on Kubernetes, from holding Leases)
        ha.second.close();
        assertThat(r1.get("/observe/health").body()).contains("{\"name\":\"cluster-second\",\"status\":\"DOWN\"");
        assertThat(r1.get("/observe/health/ready").statusCode()).isEqualTo(200);
    }
}

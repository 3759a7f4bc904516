package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import io.ontapjobs.simulator.JobPoll;
import io.ontapjobs.store.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An owner whose HA thread falls behind (paused past its lease, or a tick stuck in a call to ZooKeeper while it
 * reconnects) cannot tell whether another replica has claimed its cluster meanwhile: from half a lease after the store
 * last confirmed its epoch it holds its polls, and it polls again once the store confirms it. Its operations end all
 * the same. (In the process proof, a replica continued after SIGSTOP polled for 5 s beside the new owner while its HA
 * thread waited on ZooKeeper.)
 */
class HeldPollsTest extends InProcessReplicasTest {
    static final Duration LEASE = Duration.ofSeconds(3);
    static final java.util.Set<String> IDS = java.util.Set.of("held-0", "held-1", "held-2", "held-3");

    private long pollsBy(String replica, Instant after) {
        List<JobPoll> polls = ha.first.jobPolls();
        return polls.stream().filter(p -> p.at().isAfter(after) && p.userAgent() != null && p.userAgent().endsWith("(" + replica + ")")).count();
    }

    @Test
    void anOwnerThatCannotConfirmItsClusterHoldsItsPollsUntilItCan() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(8), HaFixture.fileLocks(tmp, LEASE));
        RunningService r1 = ha.start("r1");
        ha.awaitOneOwnerEach(Duration.ofSeconds(15));
        for (String id : IDS) {
            assertThat(r1.submit(HaFixture.request(id, "default")).statusCode()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pollsBy("r1", Instant.EPOCH) > 0);

        HighAvailability replica = HaFixture.ha(r1);
        // the HA thread's next tick waits on the store, as a stuck call would (to ZooKeeper, to a frozen database): a
        // lock on the owners' table blocks its confirmation, and nothing else of the replica's is asked of the HA thread
        Instant unstuck;
        try (Connection locker = DriverManager.getConnection(ha.db.url(), PostgresServer.USER, PostgresServer.PASSWORD)) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("SET idle_in_transaction_session_timeout = 0");
                s.execute("LOCK TABLE cluster_owner IN ACCESS EXCLUSIVE MODE");
            }
            Instant since = Instant.now();
            await().atMost(LEASE.dividedBy(2).plusSeconds(2)).until(() -> replica.state().get("default").endsWith("polls held"));
            Duration heldAfter = Duration.between(since, Instant.now());
            assertThat(heldAfter).as("held within half a lease of the last confirmation").isLessThan(LEASE.dividedBy(2).plusSeconds(1));
            Instant held = Instant.now().plusMillis(300); // a poll already sent when the hold began may still arrive
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> pollsBy("r1", held) == 0);
            assertThat(ha.statuses(IDS).values())
                    .as("nothing ends while its polls are held").containsOnly("running");

            unstuck = Instant.now();
            locker.rollback();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> replica.state().get("default").equals("owner") && pollsBy("r1", unstuck) > 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> ha.statuses(IDS).values().stream().allMatch("succeeded"::equals));
        assertThat(ha.first.stats().triggers()).as("each triggered once").isEqualTo(4);
        assertThat(Map.copyOf(replica.state())).containsEntry("second", "owner");
    }
}

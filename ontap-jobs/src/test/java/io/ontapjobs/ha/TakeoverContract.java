package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every cluster service gives the replicas, shown with two of them: one owner per ONTAP cluster, spread over
 * both, and when an owner stops with jobs running the other takes its cluster over and ends them, each triggered and
 * delivered once.
 */
abstract class TakeoverContract extends InProcessReplicasTest {
    private static final Logger LOG = LoggerFactory.getLogger(TakeoverContract.class);

    /** The {@code ontap.ha.*} properties of the cluster service under test. */
    abstract Map<String, String> clusterService() throws Exception;

    /** The longest a takeover after the owner stopped may take. */
    abstract Duration takeoverWithin();

    /** What the platform does when a replica stops, besides the process ending (Kubernetes: its pod goes). */
    void stopped(String replica) throws Exception {
    }

    @Test
    void theOtherReplicaTakesTheClustersOverAndEndsTheirOperationsOnce() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(3), clusterService());
        List<RunningService> replicas = List.of(ha.start("r1"), ha.start("r2"));
        ha.awaitOneOwnerEach(Duration.ofSeconds(30));
        // the first one up took both clusters; spreading gives one to the other: the owner stopped below owns one
        await().atMost(Duration.ofSeconds(30)).until(() -> HaFixture.CLUSTERS.stream().map(ha::owners)
                .filter(o -> o.size() == 1).map(o -> o.get(0)).distinct().count() == 2);
        Map<String, String> owners = ha.awaitOneOwnerEach(Duration.ofSeconds(30));
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 8; i++) {
            String id = "op-" + i;
            assertThat(replicas.get(i % 2).submit(HaFixture.request(id, HaFixture.CLUSTERS.get(i / 2 % 2))).statusCode()).isEqualTo(202);
            ids.add(id);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ha.statuses(ids).values().stream().allMatch(s -> s.equals("running")));

        String stopped = owners.get("default");
        long stoppedAt = System.nanoTime();
        ha.stop(stopped);
        stopped(stopped);
        await().atMost(takeoverWithin().plusSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> ha.owners("default").size() == 1);
        Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedAt);
        LOG.info("{}: {} stopped, {} took cluster default over after {} ms", getClass().getSimpleName(), stopped, ha.owners("default"),
                takeover.toMillis());
        assertThat(takeover).isLessThan(takeoverWithin());

        await().atMost(Duration.ofSeconds(30)).until(() -> ha.statuses(ids).values().stream().allMatch(s -> s.equals("succeeded")));
        assertThat(ha.first.stats().triggers() + ha.second.stats().triggers()).as("one trigger per operation").isEqualTo(ids.size());
        await().atMost(Duration.ofSeconds(20)).until(() -> ha.store.outbox().pending("webhook-1") == 0);
        assertThat(ha.webhooks.keySet()).isEqualTo(ids);
        assertThat(ha.webhooks.values()).as("each outcome once").allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }
}

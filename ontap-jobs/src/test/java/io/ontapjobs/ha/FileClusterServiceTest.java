package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three replicas with Camel's file-lock cluster service, one PostgreSQL database, one broker and two ONTAP clusters:
 * one owner per cluster; requests taken by any replica (API, queue) run once, on the owner; the owner stops with
 * jobs in flight and another replica takes its clusters over within the lease; every operation ends once, and each
 * sink (webhook, queue, files) gets each outcome once; every replica answers for every operation.
 */
class FileClusterServiceTest extends InProcessReplicasTest {
    private static final Logger LOG = LoggerFactory.getLogger(FileClusterServiceTest.class);
    static final Duration LEASE = Duration.ofSeconds(3);

    @Test
    void oneOwnerPerClusterTakeoverWhenItStopsAndEachOperationTriggeredAndDeliveredOnce() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(3), HaFixture.fileLocks(tmp, LEASE));
        List<RunningService> replicas = List.of(ha.start("r1"), ha.start("r2"), ha.start("r3"));
        Map<String, String> owners = ha.awaitOneOwnerEach(Duration.ofSeconds(15));
        LOG.info("Owners: {}", owners);

        // through every replica's API, both clusters, and through the queue
        Set<String> ids = new TreeSet<>();
        Map<String, Integer> perCluster = new java.util.HashMap<>();
        for (int i = 0; i < 18; i++) {
            String id = "api-" + i;
            String cluster = HaFixture.CLUSTERS.get(i % 2);
            HttpResponse<String> r = replicas.get(i % 3).submit(HaFixture.request(id, cluster));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            ids.add(id);
            perCluster.merge(cluster, 1, Integer::sum);
        }
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String cluster = HaFixture.CLUSTERS.get(i % 2);
            queued.add(HaFixture.request("queue-" + i, cluster));
            ids.add("queue.queue-" + i); // the queue's ids start with "queue."
            perCluster.merge(cluster, 1, Integer::sum);
        }
        ha.enqueue(queued);

        // any replica answers for any operation, and a known id posted to another replica is that operation
        for (RunningService r : replicas) {
            assertThat(r.get("/api/v1/operations/api-0").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> again = replicas.get(1).submit(HaFixture.request("api-0", "default"));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(ha.json(again.body()).at("/operation/id").asText()).isEqualTo("api-0");

        // each replica lists them all, from the store (actions through any replica: ActionsAnyReplicaTest)
        for (RunningService r : replicas) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                Set<String> listed = new TreeSet<>();
                ha.json(r.get("/api/v1/operations").body()).path("records").forEach(o -> listed.add(o.at("/operation/id").asText()));
                return listed.containsAll(ids);
            });
        }
        String notOwner = ha.names().stream().filter(n -> !n.equals(owners.get("default"))).findFirst().orElseThrow();
        assertThat(ha.replicas.get(notOwner).get("/observe/health/ready").body()).as("a follower is ready").contains("{\"name\":\"ha\",\"status\":\"UP\"}");

        // all triggered (none mid-trigger, which a takeover would have to end lost), then the owner of default stops
        await().atMost(Duration.ofSeconds(30)).until(() -> ha.statuses(ids).values().stream().noneMatch(s -> s.equals("accepted") || s.equals("triggering")));
        String stopped = owners.get("default");
        long stoppedAt = System.nanoTime();
        ha.stop(stopped);
        await().atMost(LEASE.plusSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> ha.owners("default").size() == 1);
        Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedAt);
        LOG.info("Cluster default: {} stopped, {} took over after {} ms", stopped, ha.owners("default"), takeover.toMillis());
        assertThat(takeover).isLessThan(LEASE.plusSeconds(2));
        Map<String, String> after = ha.awaitOneOwnerEach(Duration.ofSeconds(10));
        assertThat(after.values()).doesNotContain(stopped);

        await().atMost(Duration.ofSeconds(40)).until(() -> ha.statuses(ids).values().stream().allMatch(s -> s.equals("succeeded")));
        assertThat(ha.first.stats().triggers()).as("one trigger per operation on default").isEqualTo(perCluster.get("default").longValue());
        assertThat(ha.second.stats().triggers()).as("one trigger per operation on second").isEqualTo(perCluster.get("second").longValue());

        await().atMost(Duration.ofSeconds(20)).until(() -> ha.store.outbox().pending("webhook-1") == 0 && ha.store.outbox().pending("jms") == 0
                && ha.store.outbox().pending("file") == 0);
        assertThat(ha.webhooks.keySet()).isEqualTo(ids);
        assertThat(ha.webhooks.values()).as("each outcome once to the webhook").allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        Map<String, Integer> queue = ha.drainOutcomesQueue();
        assertThat(queue.keySet()).isEqualTo(ids);
        assertThat(queue.values()).as("each outcome once on the queue").allSatisfy(n -> assertThat(n).isEqualTo(1));
        Map<String, Integer> files = ha.outcomeFiles();
        assertThat(files.keySet()).isEqualTo(ids);
        assertThat(files.values()).as("each outcome file written once, by one replica").allSatisfy(n -> assertThat(n).isEqualTo(1));

        // the survivors answer for all of them, from the store
        for (String name : ha.names()) {
            RunningService r = ha.replicas.get(name);
            for (String id : List.of("api-0", "api-1", "queue.queue-0", "queue.queue-1")) {
                assertThat(ha.json(r.get("/api/v1/operations/" + id).body()).path("status").asText()).isEqualTo("succeeded");
            }
        }
    }
}

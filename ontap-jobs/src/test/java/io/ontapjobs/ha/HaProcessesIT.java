package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof with processes: three replicas running target/ontap-jobs.jar on one PostgreSQL database, one broker and
 * a ZooKeeper server (the test's), two ONTAP clusters (simulators), requests through the three APIs and the queue.
 * The owner of one cluster is killed (SIGKILL) with jobs running, the owner of the other is stopped (SIGSTOP) past its
 * lease and continued (SIGCONT), the killed one started again. Each operation is triggered once and succeeds, each
 * outcome reaches the webhook and the queue once, each takeover is within the lease and a margin; and each cluster's
 * job polls with three replicas are those of one. Runs with {@code -Pha-proof} (about two minutes).
 */
@EnabledIfSystemProperty(named = "ontap.ha.proof", matches = "true")
class HaProcessesIT {
    private static final Logger LOG = LoggerFactory.getLogger(HaProcessesIT.class);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Duration LEASE = Duration.ofSeconds(4);
    @TempDir
    java.nio.file.Path tmp;
    HaFixture ha;
    TestingServer zookeeper;

    @AfterEach
    void stop() throws Exception {
        if (ha != null) {
            ha.processes.values().forEach(p -> signal(p, "CONT"));
            ha.close();
            // the replicas' logs, for a look at what each did (target/ha-proof/<replica>.log)
            java.nio.file.Path keep = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target/ha-proof"));
            for (String name : ha.processPorts.keySet()) {
                java.nio.file.Path log = tmp.resolve(name).resolve("serve.log");
                if (java.nio.file.Files.exists(log)) {
                    java.nio.file.Files.copy(log, keep.resolve(name + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @Test
    void killedAndPausedOwnersAreTakenOverAndEveryOperationRunsOnce() throws Exception {
        // a short ZooKeeper tick, so that a session (the lease) may be as short as 4 s
        zookeeper = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 250, -1), true);
        ha = new HaFixture(tmp, Duration.ofSeconds(3), Map.of("ontap.ha.cluster-service", "zookeeper",
                "ontap.ha.zookeeper.nodes", zookeeper.getConnectString(), "ontap.ha.lease-duration", LEASE.toMillis() + "ms",
                "ontap.ha.renew-interval", "1s"));
        Set<String> ids = new TreeSet<>();
        Map<String, Integer> perCluster = new HashMap<>();

        // one replica: each cluster's job polls with 8 long jobs (40 s) running
        ha.startProcess("p1");
        awaitReady("p1");
        awaitOwners(Set.of("p1"));
        for (int i = 0; i < 16; i++) {
            submit("p1", "long-" + i, HaFixture.CLUSTERS.get(i % 2), ids, perCluster);
        }
        awaitStatus(ids, "running");
        Map<String, Double> oneReplica = pollRates(Duration.ofSeconds(5));

        // three replicas, the same jobs: the same polls
        ha.startProcess("p2");
        ha.startProcess("p3");
        awaitReady("p2");
        awaitReady("p3");
        Map<String, Double> threeReplicas = pollRates(Duration.ofSeconds(5));
        LOG.info("Job polls per second and cluster, 8 jobs each: one replica {}, three replicas {}", oneReplica, threeReplicas);
        for (String cluster : HaFixture.CLUSTERS) {
            assertThat(oneReplica.get(cluster)).as("polls of " + cluster + " with one replica").isPositive();
            assertThat(threeReplicas.get(cluster)).as("polls of " + cluster + " with three").isPositive()
                    .isLessThanOrEqualTo(oneReplica.get(cluster) * 1.5 + 0.5);
        }

        // requests through every API and the queue
        List<String> apis = List.of("p1", "p2", "p3");
        for (int i = 0; i < 30; i++) {
            submit(apis.get(i % 3), "api-" + i, HaFixture.CLUSTERS.get(i % 2), ids, perCluster);
        }
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String cluster = HaFixture.CLUSTERS.get(i % 2);
            queued.add(HaFixture.request("queue-" + i, cluster));
            ids.add("queue-" + i);
            perCluster.merge(cluster, 1, Integer::sum);
        }
        ha.enqueue(queued);
        awaitStatus(ids, "running", "succeeded");

        // SIGKILL the owner of default, with jobs running
        String killed = ha.store.owner("default").orElseThrow().replica();
        long epoch = ha.store.owner("default").orElseThrow().epoch();
        long t0 = System.nanoTime();
        ha.processes.get(killed).destroyForcibly().waitFor();
        Duration killTakeover = awaitNewOwner("default", epoch, killed);
        LOG.info("SIGKILL of {}: cluster default taken over by {} after {} ms (lease {} ms)", killed,
                ha.store.owner("default").orElseThrow().replica(), killTakeover.toMillis(), LEASE.toMillis());
        assertThat(killTakeover).isLessThan(LEASE.plusSeconds(4));

        // SIGSTOP the owner of second past its lease, then SIGCONT: it finds itself fenced out
        String paused = ha.store.owner("second").orElseThrow().replica();
        long pausedEpoch = ha.store.owner("second").orElseThrow().epoch();
        Process p = ha.processes.get(paused);
        signal(p, "STOP");
        Duration pauseTakeover = awaitNewOwner("second", pausedEpoch, paused);
        LOG.info("SIGSTOP of {}: cluster second taken over by {} after {} ms", paused,
                ha.store.owner("second").orElseThrow().replica(), pauseTakeover.toMillis());
        assertThat(pauseTakeover).isLessThan(LEASE.plusSeconds(4));
        for (int i = 0; i < 6; i++) { // accepted meanwhile by a live replica
            String live = apis.stream().filter(n -> !n.equals(killed) && !n.equals(paused)).findFirst().orElseThrow();
            submit(live, "during-" + i, HaFixture.CLUSTERS.get(i % 2), ids, perCluster);
        }
        signal(p, "CONT");

        // the killed replica comes back
        ha.startProcess(killed);
        awaitReady(killed);
        for (int i = 0; i < 6; i++) {
            submit(killed, "after-" + i, HaFixture.CLUSTERS.get(i % 2), ids, perCluster);
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> ha.statuses(ids).values().stream().allMatch(s -> !s.equals("accepted")
                && !s.equals("triggering") && !s.equals("running")));
        assertThat(ha.statuses(ids)).as("no false lost: every operation succeeded").allSatisfy((id, s) -> assertThat(s).isEqualTo("succeeded"));
        assertThat(ha.first.stats().triggers()).as("one trigger per operation on default").isEqualTo(perCluster.get("default").longValue());
        assertThat(ha.second.stats().triggers()).as("one trigger per operation on second").isEqualTo(perCluster.get("second").longValue());
        await().atMost(Duration.ofSeconds(30)).until(() -> ha.store.pending("webhook-1") == 0 && ha.store.pending("jms") == 0);
        assertThat(ha.webhooks.keySet()).isEqualTo(ids);
        assertThat(ha.webhooks.values()).as("each outcome once to the webhook").allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        Map<String, Integer> queue = ha.drainOutcomesQueue();
        assertThat(queue.keySet()).isEqualTo(ids);
        assertThat(queue.values()).as("each outcome once on the queue").allSatisfy(n -> assertThat(n).isEqualTo(1));
    }

    private void submit(String replica, String id, String cluster, Set<String> ids, Map<String, Integer> perCluster) throws Exception {
        String body = HaFixture.request(id, cluster); // a volume named long_… is a long job (HaFixture)
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(ha.processBase(replica) + "/api/v1/operations"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        ids.add(id);
        perCluster.merge(cluster, 1, Integer::sum);
    }

    private void awaitReady(String replica) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(ha.processBase(replica) + "/observe/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    private void awaitOwners(Set<String> among) {
        await().atMost(Duration.ofSeconds(30)).until(() -> HaFixture.CLUSTERS.stream()
                .allMatch(c -> ha.store.owner(c).map(o -> among.contains(o.replica())).orElse(false)));
    }

    private void awaitStatus(Set<String> ids, String... statuses) {
        Set<String> wanted = Set.of(statuses);
        await().atMost(Duration.ofSeconds(60)).until(() -> ha.statuses(ids).values().stream().allMatch(wanted::contains));
    }

    private Duration awaitNewOwner(String cluster, long epoch, String old) {
        long t0 = System.nanoTime();
        await().atMost(LEASE.plusSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> ha.store.owner(cluster)
                .map(o -> o.epoch() > epoch && !o.replica().equals(old)).orElse(false));
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Jobs-endpoint requests per second on each simulator, over {@code window}. */
    private Map<String, Double> pollRates(Duration window) throws Exception {
        long a = polls(ha.first);
        long b = polls(ha.second);
        long t0 = System.nanoTime();
        await().pollDelay(window).atMost(window.plusSeconds(1)).until(() -> true); // a measuring window, not a wait for a state
        double seconds = (System.nanoTime() - t0) / 1e9;
        return Map.of("default", (polls(ha.first) - a) / seconds, "second", (polls(ha.second) - b) / seconds);
    }

    private static long polls(io.ontapjobs.simulator.OntapSimulator sim) {
        return sim.stats().jobGets() + sim.stats().jobListGets();
    }

    private static void signal(Process p, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.ontapjobs.RunningService;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONTAP clusters are spread over the replicas: the first replica up takes both clusters; once a second one stands in
 * the elections, the first gives one up and the second takes it over (a takeover with a new epoch), while requests go
 * on arriving at both replicas: each is triggered once, succeeds and is delivered once. When the second stops, the
 * first takes its cluster back. With ZooKeeper (Curator's TestingServer) and with Kubernetes Leases (fabric8's mock
 * API; a replica's pod is Ready once it has started, as its readiness probe would make it); with
 * {@code ontap.ha.spread = false} the first replica keeps both.
 */
class SpreadTest {
    private static final Logger LOG = LoggerFactory.getLogger(SpreadTest.class);
    @TempDir
    java.nio.file.Path tmp;
    HaFixture ha;
    TestingServer zookeeper;
    KubernetesMockServer kubernetes;

    @AfterEach
    void stopAll() throws Exception {
        if (ha != null) {
            ha.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
        if (kubernetes != null) {
            kubernetes.destroy();
        }
    }

    @Test
    void zooKeeperSpreadsTheClustersOverTwoReplicasAndTheHandoverLosesNothing() throws Exception {
        zookeeper = new TestingServer(true);
        ha = new HaFixture(tmp, Duration.ofSeconds(4), Map.of("ontap.ha.cluster-service", "zookeeper",
                "ontap.ha.zookeeper.nodes", zookeeper.getConnectString(), "ontap.ha.lease-duration", "6s", "ontap.ha.renew-interval", "1s"));
        spreadsAndTakesBack(Duration.ofSeconds(20), name -> { }, name -> { });
    }

    @Test
    void kubernetesSpreadsTheClustersOverTwoReplicasAndTheHandoverLosesNothing() throws Exception {
        kubernetes = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        kubernetes.init();
        ha = new HaFixture(tmp, Duration.ofSeconds(4), Map.of("ontap.ha.cluster-service", "kubernetes",
                "ontap.ha.kubernetes.master-url", kubernetes.url("/"), "ontap.ha.kubernetes.namespace", "ontap",
                "ontap.ha.lease-duration", "2s", "ontap.ha.renew-interval", "500ms"));
        spreadsAndTakesBack(Duration.ofSeconds(30), this::podReady, this::podGone);
    }

    @Test
    void withSpreadOffTheFirstReplicaKeepsBothClusters() throws Exception {
        zookeeper = new TestingServer(true);
        ha = new HaFixture(tmp, Duration.ofSeconds(1), Map.of("ontap.ha.cluster-service", "zookeeper",
                "ontap.ha.zookeeper.nodes", zookeeper.getConnectString(), "ontap.ha.lease-duration", "6s", "ontap.ha.renew-interval",
                "1s", "ontap.ha.spread", "false"));
        ha.start("r1");
        awaitOwners("r1", "r1", Duration.ofSeconds(30));
        ha.start("r2");
        await().atMost(Duration.ofSeconds(30)).until(() -> HaFixture.ha(ha.replicas.get("r2")).state().size() == 2);
        // longer than the cool-down (3 renew intervals) and a spreading check: a spreading replica would have given one up
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(200))
                .until(() -> ha.owners("default").equals(List.of("r1")) && ha.owners("second").equals(List.of("r1")));
        assertThat(ha.replicas.get("r1").get("/observe/health?data=true").body()).contains("off (ontap.ha.spread = false)");
    }

    /**
     * r1 alone owns both clusters; r2 starts while requests keep arriving at both; within {@code within} each owns one;
     * every operation succeeds, triggered and delivered once; r2 stops and r1 owns both again.
     */
    private void spreadsAndTakesBack(Duration within, Consumer<String> started, Consumer<String> stopped) throws Exception {
        started.accept("r1");
        RunningService r1 = ha.start("r1");
        awaitOwners("r1", "r1", Duration.ofSeconds(30));
        Map<String, Long> epochs = new HashMap<>();
        for (String cluster : HaFixture.CLUSTERS) {
            epochs.put(cluster, ha.store.epochs().owner(cluster).orElseThrow().epoch());
        }
        Set<String> ids = new TreeSet<>();
        Map<String, Integer> perCluster = new HashMap<>();
        for (int i = 0; i < 4; i++) { // running on r1 when r2 comes
            submit(r1, "before-" + i, HaFixture.CLUSTERS.get(i % 2), ids, perCluster);
        }

        RunningService r2 = ha.start("r2");
        started.accept("r2");
        long t0 = System.nanoTime();
        List<RunningService> both = List.of(r1, r2);
        int[] n = {0};
        // requests keep arriving, at both replicas and for both clusters, until the clusters are spread
        await().atMost(within).pollInterval(Duration.ofMillis(300)).until(() -> {
            int i = n[0]++;
            submit(both.get(i % 2), "during-" + i, HaFixture.CLUSTERS.get(i / 2 % 2), ids, perCluster);
            return spread();
        });
        Duration spreading = Duration.ofNanos(System.nanoTime() - t0);
        String given = HaFixture.CLUSTERS.stream().filter(c -> ha.owners(c).equals(List.of("r2"))).findFirst().orElseThrow();
        LOG.info("Spread after {} ms: r2 took cluster {} over ({} requests sent meanwhile)", spreading.toMillis(), given, n[0]);
        assertThat(ha.store.epochs().owner(given).orElseThrow().epoch()).as("taken over with a new epoch").isGreaterThan(epochs.get(given));
        for (int i = 0; i < 4; i++) {
            submit(both.get(i % 2), "after-" + i, HaFixture.CLUSTERS.get(i % 2), ids, perCluster);
        }
        assertThat(r1.get("/observe/health?data=true").body()).as("the ha check shows the spreading")
                .contains("\"spread\":\"on: 2 replica(s), fair share 1\"");

        await().atMost(Duration.ofSeconds(60)).until(() -> ha.statuses(ids).values().stream().allMatch(s -> !s.equals("accepted")
                && !s.equals("triggering") && !s.equals("running")));
        assertThat(ha.statuses(ids)).as("every operation succeeded").allSatisfy((id, s) -> assertThat(s).isEqualTo("succeeded"));
        assertThat(ha.first.stats().triggers()).as("one trigger per operation on default").isEqualTo(perCluster.get("default").longValue());
        assertThat(ha.second.stats().triggers()).as("one trigger per operation on second").isEqualTo(perCluster.get("second").longValue());
        await().atMost(Duration.ofSeconds(20)).until(() -> ha.store.outbox().pending("webhook-1") == 0);
        assertThat(ha.webhooks.keySet()).isEqualTo(ids);
        assertThat(ha.webhooks.values()).as("each outcome once").allSatisfy(c -> assertThat(c.get()).isEqualTo(1));

        ha.stop("r2");
        stopped.accept("r2");
        awaitOwners("r1", "r1", Duration.ofSeconds(20));
    }

    /** Each replica owns one cluster, as the store records it. */
    private boolean spread() {
        List<String> a = ha.owners("default");
        List<String> b = ha.owners("second");
        return a.size() == 1 && b.size() == 1 && !a.equals(b)
                && ha.store.epochs().owner("default").map(o -> o.replica().equals(a.get(0))).orElse(false)
                && ha.store.epochs().owner("second").map(o -> o.replica().equals(b.get(0))).orElse(false);
    }

    private void awaitOwners(String ofDefault, String ofSecond, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> ha.owners("default").equals(List.of(ofDefault))
                && ha.owners("second").equals(List.of(ofSecond))
                && ha.store.epochs().owner("default").map(o -> o.replica().equals(ofDefault)).orElse(false)
                && ha.store.epochs().owner("second").map(o -> o.replica().equals(ofSecond)).orElse(false));
    }

    private static void submit(RunningService replica, String id, String cluster, Set<String> ids, Map<String, Integer> perCluster)
            throws Exception {
        HttpResponse<String> r = replica.submit(HaFixture.request(id, cluster));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        ids.add(id);
        perCluster.merge(cluster, 1, Integer::sum);
    }

    /** The replica's pod, Running and Ready: from now on camel-kubernetes counts it a member. */
    private void podReady(String replica) {
        try (KubernetesClient client = kubernetes.createClient()) {
            client.pods().inNamespace("ontap").resource(new PodBuilder().withNewMetadata().withName(replica)
                    .addToLabels("app.kubernetes.io/name", "ontap-jobs").endMetadata()
                    .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .endStatus().build()).create();
        }
    }

    private void podGone(String replica) {
        try (KubernetesClient client = kubernetes.createClient()) {
            client.pods().inNamespace("ontap").withName(replica).delete();
        }
    }
}

package io.ontapjobs.ha;

import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ontap.ha.cluster-service=zookeeper: the replicas elect an owner per ONTAP cluster with Curator's leader selector
 * (camel-zookeeper), here on a ZooKeeper server in this JVM (Curator's TestingServer). An owner that stops leaves its
 * elections at once.
 */
class ZooKeeperClusterServiceTest extends TakeoverContract {
    TestingServer zookeeper;

    @Override
    Map<String, String> clusterService() throws Exception {
        zookeeper = new TestingServer(true);
        return Map.of("ontap.ha.cluster-service", "zookeeper", "ontap.ha.zookeeper.nodes", zookeeper.getConnectString(),
                "ontap.ha.lease-duration", "6s", "ontap.ha.renew-interval", "1s");
    }

    @Override
    Duration takeoverWithin() {
        return Duration.ofSeconds(6);
    }

    @Test
    void afterAnOutageLongerThanTheSessionTheReplicasElectAnOwnerAgain() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(1), clusterService());
        ha.start("r1");
        ha.start("r2");
        ha.awaitOneOwnerEach(Duration.ofSeconds(30));

        zookeeper.stop();
        // the outage: longer than the session (6 s), so every replica's session expires and its leadership with it
        await().atMost(Duration.ofSeconds(30)).until(() -> HaFixture.CLUSTERS.stream().allMatch(c -> ha.owners(c).isEmpty()));
        await().pollDelay(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(8)).until(() -> true);
        zookeeper.restart();

        ha.awaitOneOwnerEach(Duration.ofSeconds(30));
    }

    @AfterEach
    void stopZooKeeper() throws Exception {
        if (zookeeper != null) {
            zookeeper.close();
        }
    }
}

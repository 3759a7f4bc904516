package io.ontapjobs.ha;

import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;

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

    @AfterEach
    void stopZooKeeper() throws Exception {
        if (zookeeper != null) {
            zookeeper.close();
        }
    }
}

package io.ontapjobs.ha;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ontap.ha.cluster-service=kubernetes: the replicas hold Leases (coordination.k8s.io/v1) through camel-kubernetes, here
 * on fabric8's mock of the Kubernetes API in CRUD mode. A Lease's holder keeps it while its pod is Running and Ready;
 * once the pod is gone (or not Ready), another replica takes the Lease and waits one lease duration before acting.
 */
class KubernetesLeaseClusterServiceTest extends TakeoverContract {
    static final Duration LEASE = Duration.ofSeconds(2);
    KubernetesMockServer kubernetes;

    @Override
    Map<String, String> clusterService() {
        kubernetes = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        kubernetes.init();
        try (KubernetesClient client = kubernetes.createClient()) {
            for (String replica : new String[] {"r1", "r2"}) { // the replicas' pods, as the Deployment would run them
                client.pods().inNamespace("ontap").resource(new PodBuilder().withNewMetadata().withName(replica)
                        .addToLabels("app.kubernetes.io/name", "ontap-jobs").endMetadata()
                        .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                        .endStatus().build()).create();
            }
        }
        return Map.of("ontap.ha.cluster-service", "kubernetes",
                "ontap.ha.kubernetes.master-url", kubernetes.url("/"),
                "ontap.ha.kubernetes.namespace", "ontap",
                "ontap.ha.lease-duration", LEASE.toMillis() + "ms",
                "ontap.ha.renew-interval", "500ms");
    }

    @Override
    Duration takeoverWithin() {
        return LEASE.plusSeconds(3);
    }

    /** Its pod is deleted: camel-kubernetes counts only Running and Ready pods as members that may hold a Lease. */
    @Override
    void stopped(String replica) {
        try (KubernetesClient client = kubernetes.createClient()) {
            client.pods().inNamespace("ontap").withName(replica).delete();
        }
    }

    @AfterEach
    void stopKubernetes() {
        if (kubernetes != null) {
            kubernetes.destroy();
        }
    }

    @Test
    void eachOntapClusterHasItsLeaseNamingTheOwner() throws Exception {
        ha = new HaFixture(tmp, Duration.ofSeconds(1), clusterService());
        stopped("r2"); // one replica here: with r2's pod Ready, r1 would give a cluster up for it to take
        ha.start("r1");
        Map<String, String> owners = ha.awaitOneOwnerEach(Duration.ofSeconds(30));
        try (KubernetesClient client = kubernetes.createClient()) {
            for (String cluster : HaFixture.CLUSTERS) {
                Lease lease = client.leases().inNamespace("ontap").withName("ontap-jobs-ontap-cluster-" + cluster).get();
                assertThat(lease).as("the Lease of " + cluster).isNotNull();
                assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(owners.get(cluster));
                assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(2);
            }
        }
    }
}

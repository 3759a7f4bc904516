package io.ontapjobs.ha;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
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

    /** The requests the mock API server took since the last call, as "group/plural verb" (RBAC's words). */
    private Set<String> asked() throws InterruptedException {
        Set<String> asked = new TreeSet<>();
        for (RecordedRequest r; (r = kubernetes.takeRequest(1, TimeUnit.MILLISECONDS)) != null; ) {
            asked.add(rbac(r));
        }
        return asked;
    }

    /** A request to the Kubernetes API as RBAC names it: "group/plural verb". */
    private static String rbac(RecordedRequest r) {
        String path = r.getPath();
        String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
        String[] s = (path.contains("?") ? path.substring(0, path.indexOf('?')) : path).substring(1).split("/");
        int at = s[0].equals("api") ? 2 : 3; // /api/v1/namespaces/… or /apis/<group>/<version>/namespaces/…
        String group = s[0].equals("api") ? "" : s[1];
        String plural = s[at].equals("namespaces") ? s[at + 2] : s[at];
        boolean named = s.length > (s[at].equals("namespaces") ? at + 3 : at + 1);
        String verb = switch (r.getMethod()) {
            case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> r.getMethod();
        };
        return group + "/" + plural + " " + verb;
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
        asked(); // the test's own requests so far
        ha.start("r1");
        Map<String, String> owners = ha.awaitOneOwnerEach(Duration.ofSeconds(30));
        // deploy/kubernetes/role.yaml grants each request the replica made (the API server would refuse it otherwise)
        Set<String> asked = asked();
        long renewedBy = System.nanoTime() + Duration.ofSeconds(10).toNanos(); // a renewal comes every renew interval
        while (!asked.contains("coordination.k8s.io/leases update") && System.nanoTime() < renewedBy) {
            RecordedRequest next = kubernetes.takeRequest(100, TimeUnit.MILLISECONDS);
            if (next != null) {
                asked.add(rbac(next));
            }
        }
        assertThat(asked).as("what the replica asked of the Kubernetes API: its pods, its Leases, their renewal")
                .contains("/pods list", "coordination.k8s.io/leases create", "coordination.k8s.io/leases update");
        Role role = KubernetesManifests.read(KubernetesManifests.DIR).role();
        for (String request : asked) {
            String[] resourceVerb = request.split(" ");
            assertThat(KubernetesManifests.allows(role, resourceVerb[0], resourceVerb[1])).as("role.yaml allows " + request).isTrue();
            assertThat(KubernetesManifests.NEEDED.getOrDefault(resourceVerb[0], Set.of())).as("KubernetesManifests.NEEDED lists "
                    + request).contains(resourceVerb[1]);
        }
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

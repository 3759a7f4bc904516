package io.ontapjobs.ha;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.apache.camel.component.zookeeper.cluster.ZooKeeperClusterService;

/** Camel's cluster service that {@code ontap.ha.cluster-service} names, set from the lease and renew durations. */
final class ClusterServices {
    /** Kubernetes Leases are named {@code ontap-jobs-ontap-cluster-<name>}; ZooKeeper nodes are under this path. */
    static final String NAME = "ontap-jobs";

    private ClusterServices() {
    }

    /**
     * What a kind of cluster service can do, as far as the replicas depend on it.
     *
     * @param listsMembers        its views list the members standing (file: {@code FileLockClusterView.getMembers()} is
     *                            empty), so a replica can count the live replicas and spread the clusters
     * @param electsInLine        the next leader is the next candidate in the members' order (ZooKeeper), not whichever
     *                            candidate looks first (Kubernetes)
     * @param dropsExpiredMembers a replica whose session expired has left the elections for good, and must rejoin
     *                            (camel-zookeeper does not requeue its leader selector)
     */
    record Capabilities(boolean listsMembers, boolean electsInLine, boolean dropsExpiredMembers) {
    }

    static Capabilities capabilities(String kind) {
        return switch (kind) {
            case "file" -> new Capabilities(false, false, false);
            case "kubernetes" -> new Capabilities(true, false, false);
            default -> new Capabilities(true, true, true);
        };
    }

    /**
     * A cluster service, with how to tell that it can be asked about its elections without waiting (ZooKeeper: while
     * disconnected, each look at an election would wait for the connection timeout).
     */
    record Created(CamelClusterService service, BooleanSupplier answering) {
    }

    static Created create(HaSettings s, CamelContext context) {
        BooleanSupplier[] answering = {() -> true};
        long lease = s.leaseDuration().toMillis();
        long renew = s.renewInterval().toMillis();
        CamelClusterService service = switch (s.kind()) {
            case "file" -> {
                FileLockClusterService f = new FileLockClusterService();
                f.setRoot(s.fileRoot());
                f.setAcquireLockInterval(renew, TimeUnit.MILLISECONDS);
                f.setAcquireLockDelay(renew, TimeUnit.MILLISECONDS);
                // an owner whose heartbeat is older than this many intervals is taken over
                f.setHeartbeatTimeoutMultiplier((int) Math.max(2, (lease + renew - 1) / renew));
                yield f;
            }
            case "kubernetes" -> {
                KubernetesConfiguration k = new KubernetesConfiguration();
                k.setMasterUrl(s.kubernetesUrl()); // null: in the cluster, the pod's service account
                k.setNamespace(s.kubernetesNamespace());
                KubernetesClusterService kube = new KubernetesClusterService(k);
                kube.setLeaseResourceType(LeaseResourceType.Lease);
                kube.setKubernetesResourceName(NAME);
                kube.setKubernetesResourcesNamespace(s.kubernetesNamespace());
                kube.setPodName(s.replica());
                kube.setClusterLabels(s.kubernetesLabels()); // the members: only these pods, Running and Ready, may lead
                kube.setLeaseDurationMillis(lease);
                kube.setRenewDeadlineMillis(lease * 2 / 3);
                kube.setRetryPeriodMillis(renew);
                yield kube;
            }
            default -> {
                ZooKeeperClusterService zk = new ZooKeeperClusterService();
                zk.setNodes(s.zookeeperNodes());
                zk.setBasePath("/" + NAME);
                zk.setSessionTimeout(lease);
                zk.setConnectTimeout(Math.max(lease, 1000));
                answering[0] = () -> zk.getCuratorFramework() == null || zk.getCuratorFramework().getZookeeperClient().isConnected();
                yield zk;
            }
        };
        service.setId(s.replica());
        service.setCamelContext(context);
        return new Created(service, answering[0]);
    }
}

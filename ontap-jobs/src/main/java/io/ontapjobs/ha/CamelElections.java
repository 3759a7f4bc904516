package io.ontapjobs.ha;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.cluster.CamelPreemptiveClusterView;

/** {@link Elections} on a Camel cluster service: one view {@code ontap-cluster-<name>} per ONTAP cluster. */
final class CamelElections implements Elections {
    private final CamelClusterService service;
    private final BooleanSupplier answering;
    private final Map<String, CamelClusterView> views = new ConcurrentHashMap<>();

    CamelElections(ClusterServices.Created created) {
        this.service = created.service();
        this.answering = created.answering();
    }

    /** Joins the cluster's election. */
    CamelClusterView join(String cluster) throws Exception {
        CamelClusterView view = service.getView(HaSettings.VIEW_PREFIX + cluster);
        views.put(cluster, view);
        return view;
    }

    @Override
    public boolean joined(String cluster) {
        return views.containsKey(cluster);
    }

    @Override
    public boolean leads(String cluster) {
        return views.get(cluster).getLocalMember().isLeader();
    }

    @Override
    public boolean answering() {
        return answering.getAsBoolean();
    }

    @Override
    public List<String> others(String cluster) {
        return views.get(cluster).getMembers().stream().filter(m -> !m.isLocal()).map(CamelClusterMember::getId).toList();
    }

    @Override
    public Optional<String> otherLeader(String cluster) {
        return views.get(cluster).getLeader().filter(m -> !m.isLocal()).map(CamelClusterMember::getId);
    }

    @Override
    public boolean takenByAnother(String cluster) {
        return views.get(cluster).getMembers().stream().anyMatch(m -> !m.isLocal() && m.isLeader());
    }

    @Override
    public boolean standing(String cluster) {
        return views.get(cluster).getMembers().stream().anyMatch(CamelClusterMember::isLocal);
    }

    @Override
    public void rejoin(String cluster) throws Exception {
        String namespace = views.get(cluster).getNamespace();
        service.stopView(namespace);
        service.startView(namespace);
    }

    /** A view that can be disabled (Kubernetes) gives its Lease up; another (ZooKeeper) is stopped, leaving the candidates. */
    @Override
    public void leave(String cluster) throws Exception {
        CamelClusterView view = views.get(cluster);
        if (view instanceof CamelPreemptiveClusterView preemptive) {
            preemptive.setDisabled(true);
        } else {
            service.stopView(view.getNamespace());
        }
    }

    @Override
    public void standAgain(String cluster) throws Exception {
        CamelClusterView view = views.get(cluster);
        if (view instanceof CamelPreemptiveClusterView preemptive) {
            preemptive.setDisabled(false);
        } else {
            service.startView(view.getNamespace());
        }
    }
}

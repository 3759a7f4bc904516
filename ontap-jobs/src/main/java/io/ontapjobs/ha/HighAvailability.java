package io.ontapjobs.ha;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.operation.ClusterOwnership;
import io.ontapjobs.operation.OperationRunner;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.store.Fencing;
import io.ontapjobs.store.OperationStore;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of several: any replica records requests, the owner of an ONTAP cluster triggers, tracks and ends its
 * operations. Ownership is leadership of the view {@code ontap-cluster-<name>} of a Camel cluster service (file locks,
 * Kubernetes Leases, ZooKeeper); on gaining it the replica claims a new epoch in the store and takes up the cluster's
 * unfinished operations, on losing it (or on finding its epoch superseded) it drops their in-memory work. Leases do
 * not guarantee a single leader: the store's epochs fence a stale one out.
 *
 * <p>One thread does all of it in turn, every {@link #TICK_MS} ms: leadership changes, picking up operations other
 * replicas accepted for an owned cluster, and completing the waits for outcomes recorded by other replicas.
 */
public final class HighAvailability extends ServiceSupport implements ClusterOwnership {
    private static final Logger LOG = LoggerFactory.getLogger(HighAvailability.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long TICK_MS = 500;

    private final CamelContext context;
    private final OntapComponent ontap;
    private final OperationStore store;
    private final Fencing fencing;
    private final HaSettings settings;
    private final Set<String> clusters;
    /** Clusters whose view says this replica leads (written on the HA thread only). */
    private final Set<String> leading = ConcurrentHashMap.newKeySet();
    /** Of those, the ones whose epoch this replica claimed; one superseded is no longer owned until led anew. */
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    private final Set<String> fencedOut = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<Outcome>> awaiting = new ConcurrentHashMap<>();
    private CamelClusterService clusterService;
    private final Map<String, CamelClusterView> views = new ConcurrentHashMap<>();
    private long nextElectionCheck;
    private ScheduledExecutorService thread;
    private ExecutorService completions;

    private HighAvailability(CamelContext context, OntapComponent ontap, OperationStore store, Fencing fencing, HaSettings settings) {
        this.context = context;
        this.ontap = ontap;
        this.store = store;
        this.fencing = fencing;
        this.settings = settings;
        this.clusters = new TreeSet<>(ontap.clusterNames());
    }

    /**
     * Makes this service one replica: the component asks it which clusters it owns; the cluster service starts once
     * Camel has started (the runner exists, the API answers).
     */
    public static HighAvailability install(CamelContext context, OntapComponent ontap, OperationStore store, Fencing fencing,
                                           HaSettings settings) {
        HighAvailability ha = new HighAvailability(context, ontap, store, fencing, settings);
        context.getRegistry().bind("ontapClusterOwnership", ClusterOwnership.class, ha);
        try {
            context.addService(ha, true, false);
            context.addStartupListener(new StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                    ha.joinElections();
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        LOG.info("High availability: replica {} ({} cluster service, lease {}, renew every {}); ONTAP clusters {}",
                settings.replica(), settings.kind(), io.ontapjobs.policy.Durations.format(settings.leaseDuration()),
                io.ontapjobs.policy.Durations.format(settings.renewInterval()), ha.clusters);
        return ha;
    }

    @Override
    public boolean owns(String cluster) {
        return fencing.epoch(cluster) != null;
    }

    /** Completes when the operation's outcome is in the store, whichever replica records it; no thread waits. */
    @Override
    public CompletableFuture<Outcome> outcome(String operationId) {
        return awaiting.computeIfAbsent(operationId, id -> new CompletableFuture<>());
    }

    /** The clusters this replica owns now. */
    public Set<String> owned() {
        return fencing.clusters();
    }

    public String replica() {
        return settings.replica();
    }

    @Override
    protected void doStart() {
        var executors = context.getExecutorServiceManager();
        thread = executors.newSingleThreadScheduledExecutor(this, "ontap-ha");
        // a recorded outcome continues its route here, not on the HA thread
        completions = executors.newFixedThreadPool(this, "ontap-ha-completion", 2);
        thread.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** One view per ONTAP cluster; its leadership events are handled on the HA thread, in order. */
    void joinElections() throws Exception {
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(new AbstractHealthCheck("ontap", "ha") {
                @Override
                public boolean isLiveness() {
                    return false;
                }

                // a follower is as ready as an owner: it takes requests; which clusters it owns is shown, not judged
                @Override
                protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                    builder.detail("replica", settings.replica());
                    state().forEach((cluster, state) -> builder.detail("cluster." + cluster, state));
                    builder.up();
                }
            });
        }
        clusterService = ClusterServices.create(settings, context);
        context.addService(clusterService, true, true);
        for (String cluster : clusters) {
            CamelClusterView view = clusterService.getView(HaSettings.VIEW_PREFIX + cluster);
            views.put(cluster, view);
            view.addEventListener((CamelClusterEventListener.Leadership) (v, leader) -> {
                boolean local = leader != null && leader.isLocal();
                thread.execute(() -> leadership(cluster, local));
            });
        }
    }

    private void leadership(String cluster, boolean local) {
        if (local && leading.add(cluster)) {
            fencedOut.remove(cluster);
            claim(cluster);
        } else if (!local && leading.remove(cluster)) {
            claimed.remove(cluster);
            fencedOut.remove(cluster);
            fencing.drop(cluster); // from now on no step of this cluster is recorded here
            release(cluster, "leadership lost");
        }
    }

    private void claim(String cluster) {
        try {
            long epoch = store.claim(cluster, fencing);
            claimed.add(cluster);
            int taken = runner().takeUp(cluster);
            LOG.info("Replica {} owns cluster {} (epoch {}): took up {} unfinished operation(s)", settings.replica(), cluster, epoch, taken);
        } catch (RuntimeException e) { // the store is down: claimed on a later tick
            LOG.error("Replica {} leads cluster {} but cannot claim it in the store: {}", settings.replica(), cluster, e.getMessage());
        }
    }

    private void release(String cluster, String why) {
        int dropped = runner().release(cluster);
        LOG.warn("Replica {} no longer owns cluster {} ({}): {} operation(s) dropped here, not ended", settings.replica(), cluster, why, dropped);
    }

    private void tick() {
        try {
            for (String cluster : clusters) {
                CamelClusterView view = views.get(cluster);
                if (view != null && leading.contains(cluster) && !view.getLocalMember().isLeader()) {
                    // lost without an event: camel-zookeeper cannot tell it while ZooKeeper is unreachable
                    leadership(cluster, false);
                }
                if (!leading.contains(cluster) || fencedOut.contains(cluster)) {
                    continue;
                }
                if (!claimed.contains(cluster)) {
                    claim(cluster);
                } else if (fencing.epoch(cluster) == null) { // a newer owner's epoch refused one of our steps
                    fencedOut.add(cluster);
                    claimed.remove(cluster);
                    release(cluster, "another replica claimed it since; until this one leads it anew");
                } else {
                    runner().pickUp(cluster);
                }
            }
            if ("zookeeper".equals(settings.kind()) && System.nanoTime() - nextElectionCheck >= 0) {
                nextElectionCheck = System.nanoTime() + settings.renewInterval().toNanos();
                rejoinElections();
            }
            completeRecorded();
        } catch (RuntimeException e) {
            LOG.error("High availability tick failed: {}", e.getMessage());
        }
    }

    /**
     * A replica whose ZooKeeper session expired has left the elections for good (camel-zookeeper's leader selector is
     * not requeued): once ZooKeeper answers again, it stands again. Restarting the view requeues it.
     */
    private void rejoinElections() {
        for (String cluster : clusters) {
            CamelClusterView view = views.get(cluster);
            if (view == null || leading.contains(cluster)) {
                continue;
            }
            try {
                if (view.getMembers().stream().noneMatch(m -> m.isLocal())) {
                    LOG.info("Replica {} stands again for cluster {} (its ZooKeeper session had expired)", settings.replica(), cluster);
                    clusterService.stopView(view.getNamespace());
                    clusterService.startView(view.getNamespace());
                }
            } catch (Exception e) { // ZooKeeper unreachable: next time
                LOG.debug("Election of cluster {} not checked: {}", cluster, e.getMessage());
            }
        }
    }

    /** Completes the waits whose outcome another replica has recorded. */
    private void completeRecorded() {
        if (awaiting.isEmpty()) {
            return;
        }
        for (var ended : store.outcomes(Set.copyOf(awaiting.keySet())).entrySet()) {
            CompletableFuture<Outcome> wait = awaiting.remove(ended.getKey());
            if (wait != null) {
                completions.execute(() -> {
                    try {
                        wait.complete(Outcome.fromCloudEvent(JSON.readTree(ended.getValue())));
                    } catch (java.io.IOException | RuntimeException e) {
                        wait.completeExceptionally(new IllegalStateException("stored outcome of " + ended.getKey() + " is unreadable", e));
                    }
                });
            }
        }
    }

    private OperationRunner runner() {
        return ontap.runner();
    }

    @Override
    protected void doStop() throws Exception {
        // no step is recorded here any more, then the leadership goes: another replica takes over at once
        for (String cluster : fencing.clusters()) {
            fencing.drop(cluster);
        }
        if (clusterService != null) {
            context.removeService(clusterService);
            clusterService.stop();
        }
        if (thread != null) {
            context.getExecutorServiceManager().shutdown(thread);
            context.getExecutorServiceManager().shutdown(completions);
        }
    }

    /** For health: whether the view of each cluster says this replica leads, and which it owns in the store. */
    public Map<String, String> state() {
        Map<String, String> state = new java.util.TreeMap<>();
        for (String cluster : clusters) {
            state.put(cluster, owns(cluster) ? "owner" : fencedOut.contains(cluster) || claimed.contains(cluster) ? "fenced out"
                    : leading.contains(cluster) ? "claiming" : "follower");
        }
        return state;
    }
}

package io.ontapjobs.ha;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.operation.ClusterOwnership;
import io.ontapjobs.operation.OperationRunner;
import io.ontapjobs.operation.OperationState;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.store.Fencing;
import io.ontapjobs.store.OperationStore;
import java.util.List;
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
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.cluster.CamelPreemptiveClusterView;
import org.apache.camel.component.zookeeper.cluster.ZooKeeperClusterService;
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
 * <p>Spreading ({@code ontap.ha.spread}): a replica that leads more than its fair share of the clusters,
 * ceil(clusters / live replicas), the live replicas being the members its cluster service's views list, hands one over:
 * it stops taking new work of that cluster, waits until none of its triggers is being sent, drops the cluster as on a
 * loss and leaves its election, which elects another candidate (a takeover with a new epoch); once another replica
 * leads it (or after a bound) it stands again, to remain a candidate should the new owner go. One cluster at a time,
 * and only {@link #COOL_DOWN_RENEWS} renew intervals after its own ownership last changed.
 *
 * <p>One thread does all of it in turn, every {@link #TICK_MS} ms: leadership changes, picking up operations other
 * replicas accepted for an owned cluster, completing the waits for outcomes recorded by other replicas, spreading.
 */
public final class HighAvailability extends ServiceSupport implements ClusterOwnership {
    private static final Logger LOG = LoggerFactory.getLogger(HighAvailability.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long TICK_MS = 500;
    /** Renew intervals after a change of this replica's ownership before it gives a cluster up to spread them. */
    static final int COOL_DOWN_RENEWS = 3;
    /** A give-up nobody took over doubles the cool-down, up to this many times (a member that does not take leads). */
    static final int MAX_BACK_OFF = 6;

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
    /** When the store last confirmed this replica's epoch of each cluster (nanoTime): polls need a recent one. */
    private final Map<String, Long> confirmed = new ConcurrentHashMap<>();
    /** Clusters whose polls are held for want of a recent confirmation (for one log line each way). */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<Outcome>> awaiting = new ConcurrentHashMap<>();
    private CamelClusterService clusterService;
    private final Map<String, CamelClusterView> views = new ConcurrentHashMap<>();
    private long nextElectionCheck;
    /** The cluster being handed over to spread them: not owned for new work while its triggers in flight are sent. */
    private volatile String handing;
    private long handingSince;
    /** Clusters given up to spread them, out of their election until another replica leads them: since (nanoTime). */
    private final Map<String, Long> aside = new ConcurrentHashMap<>();
    /** When the clusters this replica leads last changed (nanoTime): spreading waits a cool-down after it. */
    private long lastChange = System.nanoTime();
    /** Give-ups in a row that no other replica took over: each doubles the cool-down. */
    private int untaken;
    private long nextSpreadCheck;
    private volatile String spreadState;
    private ScheduledExecutorService thread;
    private ExecutorService completions;

    private HighAvailability(CamelContext context, OntapComponent ontap, OperationStore store, Fencing fencing, HaSettings settings) {
        this.context = context;
        this.ontap = ontap;
        this.store = store;
        this.fencing = fencing;
        this.settings = settings;
        this.clusters = new TreeSet<>(ontap.clusterNames());
        this.spreadState = !settings.spread() ? "off (ontap.ha.spread = false)"
                : !settings.spreads() ? "off (the file cluster service cannot tell how many replicas there are)" : "on";
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
        LOG.info("High availability: replica {} ({} cluster service, lease {}, renew every {}); ONTAP clusters {}; spreading {}",
                settings.replica(), settings.kind(), io.ontapjobs.policy.Durations.format(settings.leaseDuration()),
                io.ontapjobs.policy.Durations.format(settings.renewInterval()), ha.clusters, ha.spreadState);
        return ha;
    }

    /** Owned, and not being handed over: a request accepted now is only recorded while its cluster is handed over. */
    @Override
    public boolean owns(String cluster) {
        return fencing.epoch(cluster) != null && !cluster.equals(handing);
    }

    /**
     * Owned, and confirmed by the store within half a lease. The HA thread confirms every tick; when it falls behind
     * (a pause past the lease, a tick stuck in a call to ZooKeeper) the polls stop at once, before the thread knows
     * whether another replica has claimed the cluster. Half a lease is soon enough: another replica claims it only once
     * this one has not renewed its leadership for a lease, and while this one confirmed it was also renewing, on a
     * thread of the cluster service's own (ZooKeeper pings every third of the session timeout; the file lock every
     * renew interval, at most about half a lease; on Kubernetes a new holder also waits a lease before acting).
     */
    @Override
    public boolean mayPoll(String cluster) {
        if (fencing.epoch(cluster) == null) {
            return false;
        }
        long age = System.nanoTime() - confirmed.getOrDefault(cluster, Long.MIN_VALUE / 2);
        boolean recent = age < settings.leaseDuration().toNanos() / 2;
        if (!recent && held.add(cluster)) {
            LOG.warn("Replica {} holds its polls of cluster {}: its ownership was not confirmed in the store for {} ms",
                    settings.replica(), cluster, age / 1_000_000);
        } else if (recent && held.remove(cluster)) {
            LOG.info("Replica {} polls cluster {} again: its ownership is confirmed", settings.replica(), cluster);
        }
        return recent;
    }

    /** Completes when the operation's outcome is in the store, whichever replica records it; no thread waits. */
    @Override
    public CompletableFuture<Outcome> outcome(String operationId) {
        return awaiting.computeIfAbsent(operationId, id -> new CompletableFuture<>());
    }

    /** The thread that does this replica's elections and confirmations; tests hold it as a stuck call would. */
    java.util.concurrent.Executor haThread() {
        return thread;
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
                    builder.detail("spread", spreadState);
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
            changed();
            fencedOut.remove(cluster);
            claim(cluster);
        } else if (!local && leading.remove(cluster)) {
            changed();
            if (cluster.equals(handing)) {
                handing = null;
            }
            claimed.remove(cluster);
            fencedOut.remove(cluster);
            fencing.drop(cluster); // from now on no step of this cluster is recorded here
            release(cluster, "leadership lost");
        }
    }

    private void changed() {
        lastChange = System.nanoTime();
    }

    private void claim(String cluster) {
        try {
            long epoch = store.epochs().claim(cluster, fencing);
            confirmed.put(cluster, System.nanoTime());
            claimed.add(cluster);
            int taken = runner().takeUp(cluster);
            LOG.info("Replica {} owns cluster {} (epoch {}): took up {} unfinished operation(s)", settings.replica(), cluster, epoch, taken);
        } catch (RuntimeException e) { // the store is down: claimed on a later tick
            LOG.error("Replica {} leads cluster {} but cannot claim it in the store: {}", settings.replica(), cluster, e.getMessage());
        }
    }

    private void release(String cluster, String why) {
        held.remove(cluster); // not owned: nothing is held any more
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
                } else if (fencing.epoch(cluster) == null || superseded(cluster)) { // a newer owner claimed it
                    fencing.drop(cluster);
                    changed();
                    if (cluster.equals(handing)) {
                        handing = null;
                    }
                    fencedOut.add(cluster);
                    claimed.remove(cluster);
                    release(cluster, "another replica claimed it since; until this one leads it anew");
                } else if (!cluster.equals(handing)) { // what is accepted while handing over is left to the next owner
                    runner().pickUp(cluster);
                }
            }
            if ("zookeeper".equals(settings.kind()) && System.nanoTime() - nextElectionCheck >= 0) {
                nextElectionCheck = System.nanoTime() + settings.renewInterval().toNanos();
                rejoinElections();
            }
            if (handing != null) {
                handOver();
            }
            if (settings.spreads() && System.nanoTime() - nextSpreadCheck >= 0) {
                nextSpreadCheck = System.nanoTime() + settings.renewInterval().toNanos();
                spread();
            }
            completeRecorded();
        } catch (RuntimeException e) {
            LOG.error("High availability tick failed: {}", e.getMessage());
        }
    }

    /**
     * Whether the store names a newer owner than this replica's claim. Asked every tick, whatever the cluster service
     * says: a replica paused past its lease (GC, SIGSTOP) wakes up still leading in its view until the service tells it
     * otherwise (ZooKeeper: seconds later), and would poll the cluster alongside the new owner until then.
     */
    private boolean superseded(String cluster) {
        Long epoch = fencing.epoch(cluster);
        try {
            boolean newer = epoch != null && store.epochs().owner(cluster).map(o -> o.epoch() != epoch || !o.replica().equals(settings.replica()))
                    .orElse(false);
            if (!newer) {
                confirmed.put(cluster, System.nanoTime());
            }
            return newer;
        } catch (RuntimeException e) { // the store is down: no step can be recorded anyway, and polls wait (mayPoll)
            return false;
        }
    }

    /**
     * A replica whose ZooKeeper session expired has left the elections for good (camel-zookeeper's leader selector is
     * not requeued): once ZooKeeper answers again, it stands again. Restarting the view requeues it.
     */
    private void rejoinElections() {
        for (String cluster : clusters) {
            CamelClusterView view = views.get(cluster);
            if (view == null || leading.contains(cluster) || aside.containsKey(cluster)) { // aside: left on purpose
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

    /**
     * Every renew interval: stands again for the clusters given up once another replica leads them; then, with none
     * handed over or aside and the cool-down past, gives up one cluster when this replica leads more than
     * ceil(clusters / live replicas). The live replicas are the members the views list (ZooKeeper: the candidates in
     * each election; Kubernetes: the Running and Ready pods with the replicas' labels), and this one.
     */
    private void spread() {
        if (clusterService instanceof ZooKeeperClusterService zk && zk.getCuratorFramework() != null
                && !zk.getCuratorFramework().getZookeeperClient().isConnected()) {
            return; // each look at an election would wait for the connection timeout
        }
        if (views.size() < clusters.size()) {
            return; // not in the elections yet
        }
        long now = System.nanoTime();
        long renew = settings.renewInterval().toNanos();
        for (var entry : Map.copyOf(aside).entrySet()) {
            String cluster = entry.getKey();
            long away = now - entry.getValue();
            try {
                boolean taken = away >= renew && views.get(cluster).getMembers().stream().anyMatch(m -> !m.isLocal() && m.isLeader());
                if (taken || away >= settings.leaseDuration().multipliedBy(2).plus(settings.renewInterval().multipliedBy(2)).toNanos()) {
                    untaken = taken ? 0 : Math.min(untaken + 1, MAX_BACK_OFF);
                    standAgain(cluster, taken ? "another replica leads it" : "no other replica took it over");
                }
            } catch (RuntimeException e) { // the cluster service does not answer: next time
                LOG.debug("Cluster {} given up: its election not checked: {}", cluster, e.getMessage());
            }
        }
        Set<String> live = new TreeSet<>(Set.of(settings.replica()));
        Map<String, Integer> leads = new java.util.HashMap<>();
        Map<String, List<String>> others = new java.util.HashMap<>();
        try {
            for (String cluster : clusters) {
                CamelClusterView view = views.get(cluster);
                List<String> members = view.getMembers().stream().filter(m -> !m.isLocal()).map(CamelClusterMember::getId).toList();
                live.addAll(members);
                others.put(cluster, members);
                view.getLeader().filter(m -> !m.isLocal()).ifPresent(m -> leads.merge(m.getId(), 1, Integer::sum));
            }
        } catch (RuntimeException e) { // the cluster service does not answer: next time
            LOG.debug("Replicas not counted: {}", e.getMessage());
            return;
        }
        int share = (clusters.size() + live.size() - 1) / live.size();
        spreadState = "on: " + live.size() + " replica(s), fair share " + share;
        long coolDown = renew * COOL_DOWN_RENEWS << untaken;
        if (leading.size() <= share || handing != null || !aside.isEmpty() || now - lastChange < coolDown) {
            return;
        }
        // the cluster whose next owner leads fewest: ZooKeeper elects the next candidate in line (the members' order),
        // Kubernetes whichever candidate polls its Lease first
        boolean inLine = "zookeeper".equals(settings.kind());
        String give = null;
        int fewest = Integer.MAX_VALUE;
        for (String cluster : leading) {
            List<String> candidates = others.getOrDefault(cluster, List.of());
            if (!claimed.contains(cluster) || fencing.epoch(cluster) == null || candidates.isEmpty()) {
                continue;
            }
            int load = (inLine ? candidates.subList(0, 1) : candidates).stream().mapToInt(m -> leads.getOrDefault(m, 0)).min().orElse(0);
            if (load < fewest) {
                fewest = load;
                give = cluster;
            }
        }
        if (give == null) {
            return;
        }
        LOG.info("Replica {} gives cluster {} up to spread the clusters: owns {} of {} with {} replicas (fair share {})",
                settings.replica(), give, leading.size(), clusters.size(), live.size(), share);
        handingSince = now;
        handing = give; // from now on a request of it is only recorded here, for the next owner to pick up
    }

    /**
     * The cluster being handed over leaves once none of its operations is being triggered here (one whose trigger is on
     * the wire would end {@code lost} at its next owner); after a lease of waiting it is kept, and tried again later.
     */
    private void handOver() {
        String cluster = handing;
        if (!leading.contains(cluster) || fencing.epoch(cluster) == null) {
            handing = null;
            return;
        }
        long sending = runner().count(cluster, OperationState.ACCEPTED) + runner().count(cluster, OperationState.TRIGGERING);
        if (sending == 0) {
            leave(cluster);
        } else if (System.nanoTime() - handingSince >= settings.leaseDuration().toNanos()) {
            handing = null;
            changed();
            LOG.info("Replica {} keeps cluster {} for now: {} of its operations are still being triggered after {}", settings.replica(),
                    cluster, sending, io.ontapjobs.policy.Durations.format(settings.leaseDuration()));
        }
    }

    /**
     * Drops the cluster as on a loss, then leaves its election: a view that can be disabled (Kubernetes) gives its
     * Lease up, another (ZooKeeper) is stopped, which ends its leadership and leaves the candidates.
     */
    private void leave(String cluster) {
        handing = null;
        changed();
        leading.remove(cluster);
        claimed.remove(cluster);
        fencedOut.remove(cluster);
        fencing.drop(cluster); // from now on no step of this cluster is recorded here
        aside.put(cluster, System.nanoTime());
        release(cluster, "given up to spread the clusters");
        CamelClusterView view = views.get(cluster);
        try {
            if (view instanceof CamelPreemptiveClusterView preemptive) {
                preemptive.setDisabled(true);
            } else {
                clusterService.stopView(view.getNamespace());
            }
        } catch (Exception e) { // it stands again in a while, and takes the cluster up again if it still leads it
            LOG.warn("Replica {} could not leave the election of cluster {}: {}", settings.replica(), cluster, e.getMessage());
        }
    }

    private void standAgain(String cluster, String why) {
        aside.remove(cluster);
        CamelClusterView view = views.get(cluster);
        try {
            if (view instanceof CamelPreemptiveClusterView preemptive) {
                preemptive.setDisabled(false);
            } else {
                clusterService.startView(view.getNamespace());
            }
            LOG.info("Replica {} stands again for cluster {} ({})", settings.replica(), cluster, why);
            if (view.getLocalMember().isLeader()) { // it never left (the view could not be stopped)
                leadership(cluster, true);
            }
        } catch (Exception e) { // ZooKeeper: rejoinElections stands again once it answers
            LOG.warn("Replica {} could not stand again for cluster {}: {}", settings.replica(), cluster, e.getMessage());
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
            state.put(cluster, owns(cluster) ? (held.contains(cluster) ? "owner, not confirmed in the store lately: polls held" : "owner")
                    : cluster.equals(handing) ? "handing over"
                    : fencedOut.contains(cluster) || claimed.contains(cluster) ? "fenced out"
                    : leading.contains(cluster) ? "claiming" : aside.containsKey(cluster) ? "given up" : "follower");
        }
        return state;
    }
}

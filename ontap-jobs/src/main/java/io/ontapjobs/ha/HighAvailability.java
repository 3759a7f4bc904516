package io.ontapjobs.ha;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.operation.ClusterOwnership;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.store.Fencing;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.time.OntapClock;
import io.ontapjobs.time.SystemClock;
import java.util.Map;
import java.util.Set;
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
 * and only {@link Ownerships#COOL_DOWN_RENEWS} renew intervals after its own ownership last changed ({@link Spreading}).
 *
 * <p>One thread does all of it in turn, every {@link #TICK_MS} ms: leadership changes, picking up operations other
 * replicas accepted for an owned cluster, completing the waits for outcomes recorded by other replicas, spreading.
 * This class is the Camel wiring (service, cluster service, health check, awaited outcomes); each cluster's state and
 * its transitions are {@link Ownerships}', every decision on the {@link OntapClock}.
 */
public final class HighAvailability extends ServiceSupport implements ClusterOwnership {
    private static final Logger LOG = LoggerFactory.getLogger(HighAvailability.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long TICK_MS = 500;

    private final CamelContext context;
    private final OperationStore store;
    private final HaSettings settings;
    private final Ownerships ownerships;
    private final Map<String, CompletableFuture<Outcome>> awaiting = new ConcurrentHashMap<>();
    private CamelClusterService clusterService;
    /** The thread that does this replica's elections, confirmations and spreading, in turn. */
    private final ScheduledExecutorService thread;
    private ExecutorService completions;

    private HighAvailability(CamelContext context, OntapComponent ontap, OperationStore store, Fencing fencing, HaSettings settings,
                             OntapClock clock) {
        this.context = context;
        this.store = store;
        this.settings = settings;
        this.thread = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ontap-ha");
        this.ownerships = new Ownerships(settings, ontap.clusterNames(), store, fencing, Work.of(ontap::runner),
                clock != null ? clock : new SystemClock(thread));
    }

    /**
     * Makes this service one replica: the component asks it which clusters it owns; the cluster service starts once
     * Camel has started (the runner exists, the API answers). Its decisions read the registry's {@code OntapClock}, as
     * the component's do, else the system's (its timer the HA thread).
     */
    public static HighAvailability install(CamelContext context, OntapComponent ontap, OperationStore store, Fencing fencing,
                                           HaSettings settings) {
        OntapClock clock = context.getRegistry().findSingleByType(OntapClock.class);
        HighAvailability ha = new HighAvailability(context, ontap, store, fencing, settings, clock);
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
                io.ontapjobs.policy.Durations.format(settings.renewInterval()), ha.ownerships.clusters(), ha.ownerships.spreadState());
        return ha;
    }

    /** Owned, and not being handed over: a request accepted now is only recorded while its cluster is handed over. */
    @Override
    public boolean owns(String cluster) {
        return ownerships.owns(cluster);
    }

    /**
     * Owned, and confirmed by the store within half a lease (on the clock). The HA thread confirms every tick; when it
     * falls behind (a pause past the lease, a tick stuck in a call to ZooKeeper) the polls stop at once, before the
     * thread knows whether another replica has claimed the cluster. Half a lease is soon enough: another replica claims
     * it only once this one has not renewed its leadership for a lease, and while this one confirmed it was also
     * renewing, on a thread of the cluster service's own (ZooKeeper pings every third of the session timeout; the file
     * lock every renew interval, at most about half a lease; on Kubernetes a new holder also waits a lease before acting).
     */
    @Override
    public boolean mayPoll(String cluster) {
        return ownerships.mayPoll(cluster);
    }

    /** Completes when the operation's outcome is in the store, whichever replica records it; no thread waits. */
    @Override
    public CompletableFuture<Outcome> outcome(String operationId) {
        return awaiting.computeIfAbsent(operationId, id -> new CompletableFuture<>());
    }

    /** The clusters this replica owns now. */
    public Set<String> owned() {
        return ownerships.owned();
    }

    public String replica() {
        return settings.replica();
    }

    @Override
    protected void doStart() {
        // a recorded outcome continues its route here, not on the HA thread
        completions = context.getExecutorServiceManager().newFixedThreadPool(this, "ontap-ha-completion", 2);
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
                    builder.detail("spread", ownerships.spreadState());
                    state().forEach((cluster, state) -> builder.detail("cluster." + cluster, state));
                    builder.up();
                }
            });
        }
        ClusterServices.Created created = ClusterServices.create(settings, context);
        clusterService = created.service();
        context.addService(clusterService, true, true);
        CamelElections elections = new CamelElections(created);
        ownerships.elections(elections);
        for (String cluster : ownerships.clusters()) {
            elections.join(cluster).addEventListener((CamelClusterEventListener.Leadership) (v, leader) -> {
                boolean local = leader != null && leader.isLocal();
                thread.execute(() -> ownerships.leadership(cluster, local));
            });
        }
    }

    private void tick() {
        try {
            ownerships.tick();
            completeRecorded();
        } catch (RuntimeException e) {
            LOG.error("High availability tick failed: {}", e.getMessage());
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

    @Override
    protected void doStop() throws Exception {
        // no step is recorded here any more, then the leadership goes: another replica takes over at once
        ownerships.dropAll();
        if (clusterService != null) {
            context.removeService(clusterService);
            clusterService.stop();
        }
        context.getExecutorServiceManager().shutdown(thread);
        if (completions != null) {
            context.getExecutorServiceManager().shutdown(completions);
        }
    }

    /** For health: each cluster's state here (owner, follower, claiming, fenced out, handing over, given up). */
    public Map<String, String> state() {
        return ownerships.state();
    }
}

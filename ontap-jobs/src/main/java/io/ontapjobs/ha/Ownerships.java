package io.ontapjobs.ha;

import io.ontapjobs.ha.ClusterState.Event;
import io.ontapjobs.ha.ClusterState.Phase;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.store.Fencing;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.time.OntapClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's ownership of each ONTAP cluster: one {@link ClusterState} per cluster, changed one {@link Event} at a
 * time on the HA thread (leadership events, {@link #tick}), read from any thread ({@link #owns}, {@link #mayPoll},
 * {@link #state}). Every decision reads the {@link OntapClock}: the system's in production, a virtual one in tests,
 * which drive it without a cluster service ({@link Elections}) or a runner ({@link Work}) of their own.
 */
final class Ownerships {
    private static final Logger LOG = LoggerFactory.getLogger(Ownerships.class);
    /** Renew intervals after a change of this replica's ownership before it gives a cluster up to spread them. */
    static final int COOL_DOWN_RENEWS = 3;
    /** A give-up nobody took over doubles the cool-down, up to this many times (a member that does not take leads). */
    static final int MAX_BACK_OFF = 6;

    private final HaSettings settings;
    private final ClusterServices.Capabilities service;
    private final Set<String> clusters;
    private final OperationStore store;
    private final Fencing fencing;
    private final Work work;
    private final OntapClock clock;
    private final Map<String, ClusterState> states = new ConcurrentHashMap<>();
    private volatile Elections elections;
    /** When the clusters this replica leads last changed: spreading waits a cool-down after it. */
    private long lastChange;
    /** Give-ups in a row that no other replica took over: each doubles the cool-down. */
    private int untaken;
    private long nextElectionCheck;
    private long nextSpreadCheck;
    private volatile String spreadState;

    Ownerships(HaSettings settings, Set<String> clusters, OperationStore store, Fencing fencing, Work work, OntapClock clock) {
        this.settings = settings;
        this.service = ClusterServices.capabilities(settings.kind());
        this.clusters = new TreeSet<>(clusters);
        this.store = store;
        this.fencing = fencing;
        this.work = work;
        this.clock = clock;
        long now = clock.nanoTime();
        this.lastChange = now;
        this.nextElectionCheck = now;
        this.nextSpreadCheck = now;
        this.clusters.forEach(c -> states.put(c, ClusterState.following(now)));
        this.spreadState = !settings.spread() ? "off (ontap.ha.spread = false)"
                : !settings.spreads() ? "off (the file cluster service cannot tell how many replicas there are)" : "on";
    }

    /** From now on the elections are asked about, once joined. */
    void elections(Elections elections) {
        this.elections = elections;
    }

    Set<String> clusters() {
        return clusters;
    }

    String spreadState() {
        return spreadState;
    }

    /** The clusters this replica owns now. */
    Set<String> owned() {
        return fencing.clusters();
    }

    /** Stopping: no step is recorded here any more. */
    void dropAll() {
        for (String cluster : fencing.clusters()) {
            fencing.drop(cluster);
        }
    }

    Phase phase(String cluster) {
        return states.get(cluster).phase();
    }

    /** Owned, and not being handed over: a request accepted now is only recorded while its cluster is handed over. */
    boolean owns(String cluster) {
        return fencing.epoch(cluster) != null && states.get(cluster).phase() != Phase.HANDING_OVER;
    }

    /** Owned, and confirmed by the store within half a lease (see {@link HighAvailability#mayPoll}). */
    boolean mayPoll(String cluster) {
        if (fencing.epoch(cluster) == null) {
            return false;
        }
        long age = clock.nanoTime() - states.get(cluster).confirmed();
        boolean recent = age < settings.leaseDuration().toNanos() / 2;
        boolean[] turned = {false};
        states.computeIfPresent(cluster, (c, s) -> s.held() == !recent ? s : flip(s, !recent, turned));
        if (turned[0] && !recent) {
            LOG.warn("Replica {} holds its polls of cluster {}: its ownership was not confirmed in the store for {} ms",
                    settings.replica(), cluster, age / 1_000_000);
        } else if (turned[0]) {
            LOG.info("Replica {} polls cluster {} again: its ownership is confirmed", settings.replica(), cluster);
        }
        return recent;
    }

    private static ClusterState flip(ClusterState s, boolean held, boolean[] turned) {
        turned[0] = true;
        return s.held(held);
    }

    /** What the health check shows of each cluster. */
    Map<String, String> state() {
        Map<String, String> shown = new TreeMap<>();
        states.forEach((cluster, s) -> shown.put(cluster, switch (s.phase()) {
            case OWNING -> fencing.epoch(cluster) == null ? "fenced out"
                    : s.held() ? "owner, not confirmed in the store lately: polls held" : "owner";
            case HANDING_OVER -> "handing over";
            case FENCED_OUT -> "fenced out";
            case CLAIMING -> "claiming";
            case GIVEN_UP -> "given up";
            case FOLLOWING -> "follower";
        }));
        return shown;
    }

    private ClusterState move(String cluster, Event event) {
        long now = clock.nanoTime();
        return states.computeIfPresent(cluster, (c, s) -> s.on(event, now));
    }

    private void changed() {
        lastChange = clock.nanoTime();
    }

    /** The cluster service says whether this replica leads {@code cluster} now. */
    void leadership(String cluster, boolean local) {
        boolean leads = phase(cluster).leads();
        if (local && !leads) {
            changed();
            move(cluster, Event.LED);
            claim(cluster);
        } else if (!local && leads) {
            changed();
            move(cluster, Event.LOST);
            fencing.drop(cluster); // from now on no step of this cluster is recorded here
            release(cluster, "leadership lost");
        }
    }

    private void claim(String cluster) {
        try {
            long epoch = store.epochs().claim(cluster, fencing);
            long now = clock.nanoTime();
            states.computeIfPresent(cluster, (c, s) -> s.claimed(epoch, now));
            int taken = work.takeUp(cluster);
            LOG.info("Replica {} owns cluster {} (epoch {}): took up {} unfinished operation(s)", settings.replica(), cluster, epoch, taken);
        } catch (RuntimeException e) { // the store is down: claimed on a later tick
            LOG.error("Replica {} leads cluster {} but cannot claim it in the store: {}", settings.replica(), cluster, e.getMessage());
        }
    }

    private void release(String cluster, String why) {
        states.computeIfPresent(cluster, (c, s) -> s.held(false)); // not owned: nothing is held any more
        int dropped = work.release(cluster);
        LOG.warn("Replica {} no longer owns cluster {} ({}): {} operation(s) dropped here, not ended", settings.replica(), cluster, why, dropped);
    }

    /**
     * One turn of the HA thread, every {@link HighAvailability#TICK_MS} ms: leadership lost without an event, claims
     * the store did not take, confirmations (or a newer owner), picking up, rejoining, handing over, spreading.
     */
    void tick() {
        Elections elections = this.elections;
        for (String cluster : clusters) {
            if (elections != null && phase(cluster).leads() && elections.joined(cluster) && !elections.leads(cluster)) {
                // lost without an event: camel-zookeeper cannot tell it while ZooKeeper is unreachable
                leadership(cluster, false);
            }
            Phase phase = phase(cluster);
            if (phase == Phase.CLAIMING) {
                claim(cluster);
            } else if (phase == Phase.OWNING || phase == Phase.HANDING_OVER) {
                if (fencing.epoch(cluster) == null || superseded(cluster)) { // a newer owner claimed it
                    fencing.drop(cluster);
                    changed();
                    move(cluster, Event.SUPERSEDED);
                    release(cluster, "another replica claimed it since; until this one leads it anew");
                } else if (phase == Phase.OWNING) { // what is accepted while handing over is left to the next owner
                    work.pickUp(cluster);
                }
            }
        }
        if (elections != null && service.dropsExpiredMembers() && clock.nanoTime() - nextElectionCheck >= 0) {
            nextElectionCheck = clock.nanoTime() + settings.renewInterval().toNanos();
            rejoinElections(elections);
        }
        handing().ifPresent(this::handOver);
        if (settings.spreads() && clock.nanoTime() - nextSpreadCheck >= 0) {
            nextSpreadCheck = clock.nanoTime() + settings.renewInterval().toNanos();
            spread(elections);
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
                long now = clock.nanoTime();
                states.computeIfPresent(cluster, (c, s) -> s.confirmed(now));
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
    private void rejoinElections(Elections elections) {
        for (String cluster : clusters) {
            if (!elections.joined(cluster) || phase(cluster) != Phase.FOLLOWING) { // given up: left on purpose
                continue;
            }
            try {
                if (!elections.standing(cluster)) {
                    LOG.info("Replica {} stands again for cluster {} (its ZooKeeper session had expired)", settings.replica(), cluster);
                    elections.rejoin(cluster);
                }
            } catch (Exception e) { // ZooKeeper unreachable: next time
                LOG.debug("Election of cluster {} not checked: {}", cluster, e.getMessage());
            }
        }
    }

    private java.util.Optional<String> handing() {
        return clusters.stream().filter(c -> phase(c) == Phase.HANDING_OVER).findFirst();
    }

    /**
     * Every renew interval: stands again for the clusters given up once another replica leads them; then, with none
     * handed over or given up and the cool-down past, gives up one cluster when this replica leads more than its fair
     * share. The live replicas are the members the elections list (ZooKeeper: the candidates in each election;
     * Kubernetes: the Running and Ready pods with the replicas' labels), and this one.
     */
    private void spread(Elections elections) {
        if (elections == null || !elections.answering()) {
            return; // each look at an election would wait for the connection timeout
        }
        if (!clusters.stream().allMatch(elections::joined)) {
            return; // not in the elections yet
        }
        long now = clock.nanoTime();
        long renew = settings.renewInterval().toNanos();
        for (String cluster : clusters) {
            ClusterState s = states.get(cluster);
            if (s.phase() != Phase.GIVEN_UP) {
                continue;
            }
            long away = now - s.since();
            try {
                boolean taken = away >= renew && elections.takenByAnother(cluster);
                if (taken || away >= settings.leaseDuration().multipliedBy(2).plus(settings.renewInterval().multipliedBy(2)).toNanos()) {
                    untaken = taken ? 0 : Math.min(untaken + 1, MAX_BACK_OFF);
                    standAgain(elections, cluster, taken ? "another replica leads it" : "no other replica took it over");
                }
            } catch (RuntimeException e) { // the cluster service does not answer: next time
                LOG.debug("Cluster {} given up: its election not checked: {}", cluster, e.getMessage());
            }
        }
        Set<String> live = new TreeSet<>(Set.of(settings.replica()));
        Map<String, Integer> leads = new HashMap<>();
        Map<String, List<String>> others = new HashMap<>();
        try {
            for (String cluster : clusters) {
                List<String> members = elections.others(cluster);
                live.addAll(members);
                others.put(cluster, members);
                elections.otherLeader(cluster).ifPresent(m -> leads.merge(m, 1, Integer::sum));
            }
        } catch (RuntimeException e) { // the cluster service does not answer: next time
            LOG.debug("Replicas not counted: {}", e.getMessage());
            return;
        }
        int share = Spreading.share(clusters.size(), live.size());
        spreadState = "on: " + live.size() + " replica(s), fair share " + share;
        long coolDown = renew * COOL_DOWN_RENEWS << untaken;
        List<String> owned = new ArrayList<>();
        int leading = 0;
        boolean busy = false;
        for (var entry : states.entrySet()) { // in the map's order, as the set of leading clusters was
            Phase phase = entry.getValue().phase();
            leading += phase.leads() ? 1 : 0;
            busy |= phase == Phase.HANDING_OVER || phase == Phase.GIVEN_UP;
            if (phase == Phase.OWNING && fencing.epoch(entry.getKey()) != null) {
                owned.add(entry.getKey());
            }
        }
        if (leading <= share || busy || now - lastChange < coolDown) {
            return;
        }
        int led = leading;
        Spreading.giveUp(owned, others, leads, service.electsInLine()).ifPresent(give -> {
            LOG.info("Replica {} gives cluster {} up to spread the clusters: owns {} of {} with {} replicas (fair share {})",
                    settings.replica(), give, led, clusters.size(), live.size(), share);
            move(give, Event.HAND_OVER); // from now on a request of it is only recorded here, for the next owner to pick up
        });
    }

    /**
     * The cluster being handed over leaves once none of its operations is being triggered here (one whose trigger is on
     * the wire would end {@code lost} at its next owner); after a lease of waiting it is kept, and tried again later.
     */
    private void handOver(String cluster) {
        if (fencing.epoch(cluster) == null) {
            move(cluster, Event.KEPT); // fenced out at the next tick
            return;
        }
        long sending = work.sending(cluster);
        if (sending == 0) {
            leave(cluster);
        } else if (clock.nanoTime() - states.get(cluster).since() >= settings.leaseDuration().toNanos()) {
            move(cluster, Event.KEPT);
            changed();
            LOG.info("Replica {} keeps cluster {} for now: {} of its operations are still being triggered after {}", settings.replica(),
                    cluster, sending, Durations.format(settings.leaseDuration()));
        }
    }

    /** Drops the cluster as on a loss, then leaves its election, which ends its leadership. */
    private void leave(String cluster) {
        changed();
        move(cluster, Event.LEFT);
        fencing.drop(cluster); // from now on no step of this cluster is recorded here
        release(cluster, "given up to spread the clusters");
        try {
            elections.leave(cluster);
        } catch (Exception e) { // it stands again in a while, and takes the cluster up again if it still leads it
            LOG.warn("Replica {} could not leave the election of cluster {}: {}", settings.replica(), cluster, e.getMessage());
        }
    }

    private void standAgain(Elections elections, String cluster, String why) {
        move(cluster, Event.STOOD_AGAIN);
        try {
            elections.standAgain(cluster);
            LOG.info("Replica {} stands again for cluster {} ({})", settings.replica(), cluster, why);
            if (elections.leads(cluster)) { // it never left (the view could not be stopped)
                leadership(cluster, true);
            }
        } catch (Exception e) { // ZooKeeper: rejoinElections stands again once it answers
            LOG.warn("Replica {} could not stand again for cluster {}: {}", settings.replica(), cluster, e.getMessage());
        }
    }
}

package io.ontapjobs.ha;

import static io.ontapjobs.ha.ReplicaProcesses.CLUSTERS;
import static io.ontapjobs.ha.ReplicaProcesses.DURATIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.store.OwnershipEpochs;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proof with processes ({@link ReplicaProcesses}): three replicas running target/ontap-jobs.jar on one
 * PostgreSQL, one Artemis broker in its own process and a ZooKeeper, two ONTAP clusters (simulators); about 150
 * operations of 2 to 30 s through the three APIs, the requests queue and the three inboxes. The owner of one cluster
 * is killed (SIGKILL) with jobs running, the owner of the other stopped (SIGSTOP) past its lease and continued
 * (SIGCONT), the killed one started again. Asserted:
 * <ul>
 * <li>each operation triggered once (one volume per operation on its cluster) and succeeded: no false {@code lost};
 * <li>each outcome once in each sink: the outcome files and the JSON lines across all replicas' folders, the outcomes
 * queue, the webhook;
 * <li>each takeover (the new owner's claim in the database) within the lease and a margin;
 * <li>the polls of each cluster's jobs (the simulators' log, each poll named by the replica's User-Agent): outside the
 * takeover windows (from a kill or stop, or a margin before a handover, to a margin after the new owner's claim; and
 * 500 ms after a SIGCONT, for polls queued before the pause) only the owner the database names polls, so no job is polled by two replicas there;
 * <li>each cluster's jobs are polled as often with three replicas as with one.
 * </ul>
 * Runs with {@code -Pha-proof} (about two minutes); the replicas' and the broker's logs are kept in target/ha-proof.
 */
@EnabledIfSystemProperty(named = "ontap.ha.proof", matches = "true")
class HaProcessesIT {
    private static final Logger LOG = LoggerFactory.getLogger(HaProcessesIT.class);
    static final Duration LEASE = Duration.ofSeconds(4);
    static final Duration RENEW = Duration.ofSeconds(1);
    /** How long around a change of owner two replicas may both poll: two renew intervals. */
    static final Duration MARGIN = RENEW.multipliedBy(2);
    /** After a SIGCONT, the continued replica may send what it had queued before the pause; nothing new (mayPoll). */
    static final Duration CONTINUED = Duration.ofMillis(500);
    /** A takeover takes at most the lease and this. */
    static final Duration TAKEOVER_MARGIN = Duration.ofSeconds(4);
    static final List<String> REPLICAS = List.of("p1", "p2", "p3");
    static final List<String> SINKS = List.of("file", "jsonl", "jms", "webhook-1");
    /** The jobs whose polls are counted, with one replica and with three: their length in seconds. */
    static final int MEASURED_JOBS = 18;
    static final Duration POLL_WINDOW = Duration.ofSeconds(5);

    @TempDir
    java.nio.file.Path tmp;
    ReplicaProcesses fx;
    /** Every operation sent: id → cluster. */
    final Map<String, String> clusterOf = new TreeMap<>();
    /** Operations sent so far: the next one's cluster and duration follow from it. */
    int sent;

    @AfterEach
    void stop() throws Exception {
        if (fx != null) {
            fx.close();
            fx.keepLogs();
        }
    }

    @Test
    void killedAndPausedOwnersAreTakenOverAndEveryOperationRunsOnce() throws Exception {
        long began = System.nanoTime();
        fx = new ReplicaProcesses(tmp, LEASE, RENEW);
        LOG.info("ZooKeeper, PostgreSQL, Artemis (pid {}) and two simulators up after {} ms", fx.broker.pid(), ms(began));

        // one replica: each cluster's job polls with 8 jobs of 18 s running
        fx.start("p1");
        fx.awaitReady("p1");
        awaitOwnersAmong(Set.of("p1"));
        List<String> measured = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            measured.add(api("p1", "one-" + i, CLUSTERS.get(i % 2), MEASURED_JOBS));
        }
        Map<String, Double> oneReplica = pollRates("one replica", measured);

        // three replicas, as many jobs again (the first ones ended): as many polls
        fx.start("p2");
        fx.start("p3");
        fx.awaitReady("p2");
        fx.awaitReady("p3");
        awaitOwnersAmong(Set.copyOf(REPLICAS));
        LOG.info("Three replicas ready after {} ms", ms(began));
        awaitStatus(measured, Set.of("succeeded"), Duration.ofSeconds(MEASURED_JOBS + 30));
        List<String> measuredAgain = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            measuredAgain.add(api(REPLICAS.get(1 + i % 2), "three-" + i, CLUSTERS.get(i % 2), MEASURED_JOBS));
        }
        Map<String, Double> threeReplicas = pollRates("three replicas", measuredAgain);
        LOG.info("Job polls per second and cluster, 8 jobs of {} s each: one replica {}, three replicas {}", MEASURED_JOBS, oneReplica,
                threeReplicas);
        for (String cluster : CLUSTERS) {
            assertThat(oneReplica.get(cluster)).as("polls of " + cluster + " with one replica").isPositive();
            assertThat(threeReplicas.get(cluster)).as("polls of " + cluster + " with three").isPositive()
                    .isLessThanOrEqualTo(oneReplica.get(cluster) * 1.5 + 0.5);
        }

        // requests through every API, the queue and every inbox
        List<String> load = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            load.add(api(REPLICAS.get(i % 3), "api-" + i, null, 0));
        }
        load.addAll(queue("queue-", 24));
        for (int i = 0; i < 24; i++) {
            load.add(inbox(REPLICAS.get(i % 3), "inbox-" + i));
        }
        // none caught between trigger and job when its owner dies: that one would rightly end lost
        awaitStatus(load, Set.of("running", "succeeded"), Duration.ofSeconds(60));

        // SIGKILL of the owner of default, with jobs running; its clusters (one or both) go to others
        OwnershipEpochs.Owner killedOwner = fx.owner("default").orElseThrow();
        String killed = killedOwner.replica();
        Map<String, OwnershipEpochs.Owner> killedOwns = ownedBy(killed);
        LOG.info("Before SIGKILL: {} of {} operations running; owners {}", count(fx.statuses(clusterOf.keySet()), "running"),
                clusterOf.size(), owners());
        Instant killedAt = fx.kill(killed);
        Map<String, Duration> killTakeovers = awaitTakeovers(killedOwns, killedAt);
        LOG.info("SIGKILL of {}: {} taken over (from the kill to the new owner's claim) {}; owners now {}", killed,
                killedOwns.keySet(), millis(killTakeovers), owners());

        // SIGSTOP of the owner of second (alive) past its lease, then SIGCONT: it finds itself fenced out
        String paused = fx.owner("second").orElseThrow().replica();
        Map<String, OwnershipEpochs.Owner> pausedOwns = ownedBy(paused);
        Instant stoppedAt = fx.signal(paused, "STOP");
        Map<String, Duration> stopTakeovers = awaitTakeovers(pausedOwns, stoppedAt);
        LOG.info("SIGSTOP of {}: {} taken over {}; owners now {}", paused, pausedOwns.keySet(), millis(stopTakeovers), owners());
        String live = REPLICAS.stream().filter(n -> !n.equals(killed) && !n.equals(paused)).findFirst().orElseThrow();
        List<String> during = new ArrayList<>(); // taken by the one replica left
        for (int i = 0; i < 6; i++) {
            during.add(api(live, "during-api-" + i, null, 0));
        }
        for (int i = 0; i < 3; i++) {
            during.add(inbox(live, "during-inbox-" + i));
        }
        // the broker hands some of these to the stopped replica's consumer: they wait there until it is continued
        queue("during-queue-", 3);
        awaitStatus(during, Set.of("running", "succeeded"), Duration.ofSeconds(30));
        Instant continuedAt = fx.signal(paused, "CONT");

        // the killed replica comes back, and takes requests again
        fx.start(killed);
        fx.awaitReady(killed);
        for (int i = 0; i < 6; i++) {
            api(killed, "after-api-" + i, null, 0);
        }
        queue("after-queue-", 3);
        for (int i = 0; i < 3; i++) {
            inbox(killed, "after-inbox-" + i);
        }
        LOG.info("{} operations sent ({} per cluster), {} ms since the start", clusterOf.size(),
                clusterOf.values().stream().collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting())), ms(began));

        // every operation ends, once, and succeeds
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> fx.statuses(clusterOf.keySet()).values()
                .stream().allMatch(s -> !Set.of("missing", "accepted", "triggering", "running").contains(s)));
        assertThat(fx.statuses(clusterOf.keySet())).as("no false lost: every operation succeeded")
                .allSatisfy((id, s) -> assertThat(s).as(id).isEqualTo("succeeded"));
        assertThat(fx.waitingInInboxes()).as("every request file taken").isEmpty();
        for (String cluster : CLUSTERS) {
            OntapSimulator sim = fx.simulators.get(cluster);
            Set<String> mine = clusterOf.entrySet().stream().filter(e -> e.getValue().equals(cluster)).map(Map.Entry::getKey)
                    .map(id -> id.replaceFirst("^(inbox|queue)\\.", "")) // the volume is named after the id as sent
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(sim.stats().triggers()).as("one trigger per operation on " + cluster).isEqualTo(mine.size());
            Map<String, Long> volumes = sim.records("/api/storage/volumes").stream()
                    .map(v -> v.path("name").asText().replaceAll("_dur\\d\\ds$", "").replace('_', '-'))
                    .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
            assertThat(volumes.keySet()).as("a volume for each operation on " + cluster).isEqualTo(mine);
            assertThat(volumes.values()).as("one volume per operation on " + cluster).allMatch(n -> n == 1);
        }

        // each outcome once in each sink
        await().atMost(Duration.ofSeconds(60)).until(() -> SINKS.stream().allMatch(s -> fx.store.outbox().pending(s) == 0));
        Set<String> ids = clusterOf.keySet();
        onceEach("webhook", fx.webhooks.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())), ids);
        onceEach("outcomes queue", fx.drainOutcomesQueue(), ids);
        onceEach("outcome files of all replicas", fx.outcomeFiles(), ids);
        onceEach("JSON lines of all replicas", fx.outcomeLines(), ids);

        // who polled which cluster when: one replica at a time outside the takeover windows
        for (String cluster : CLUSTERS) {
            List<PollWindows.Poll> polls = fx.polls(cluster);
            PollWindows windows = new PollWindows(fx.claims(cluster), fx.disruptions(), polls, MARGIN, CONTINUED);
            List<PollWindows.Poll> stale = windows.pollsOf(paused, continuedAt, Instant.now());
            LOG.info("Cluster {}: {} polls ({} naming {} jobs); claims {}; takeover windows {}; old and new owner polled together (ms) {};"
                    + " {} polled {} times after its SIGCONT, the last {} ms after it", cluster, polls.size(),
                    polls.stream().filter(p -> !p.uuids().isEmpty()).count(), polls.stream().flatMap(p -> p.uuids().stream()).distinct().count(),
                    fx.claims(cluster), windows.windows(),
                    windows.handoverOverlaps(), paused, stale.size(),
                    stale.isEmpty() ? "-" : Duration.between(continuedAt, stale.get(stale.size() - 1).at()).toMillis());
            assertThat(polls).as("every poll names its replica").allSatisfy(p -> assertThat(REPLICAS).contains(p.replica()));
            assertThat(polls.size()).as("the simulator kept every poll").isEqualTo(polls(fx.simulators.get(cluster)));
            assertThat(windows.pollsByNonOwners()).as("polls of " + cluster + " outside takeover windows by a replica not its owner")
                    .isEmpty();
            assertThat(windows.jobsPolledByTwo()).as("jobs of " + cluster + " whose polls passed between replicas outside a takeover window")
                    .isEmpty();
        }
        for (Map.Entry<String, Duration> t : concat(killTakeovers, stopTakeovers).entrySet()) {
            assertThat(t.getValue()).as("takeover " + t.getKey()).isLessThan(LEASE.plus(TAKEOVER_MARGIN));
        }
        LOG.info("Proof done in {} ms: takeover after SIGKILL {}, after SIGSTOP {} (lease {} ms); polls per second one replica {},"
                + " three {}", ms(began), millis(killTakeovers), millis(stopTakeovers), LEASE.toMillis(), oneReplica, threeReplicas);
    }

    // ------------------------------------------------------------------ sending

    /** The next operation's cluster (alternating) when {@code cluster} is null, and duration (cycling) when 0. */
    private String[] next(String cluster, int seconds) {
        int k = sent++;
        return new String[] {cluster != null ? cluster : CLUSTERS.get(k % 2),
                String.valueOf(seconds != 0 ? seconds : DURATIONS.get((k / 2) % DURATIONS.size()))};
    }

    private String api(String replica, String id, String cluster, int seconds) throws Exception {
        String[] c = next(cluster, seconds);
        HttpResponse<String> r = fx.submit(replica, ReplicaProcesses.request(id, c[0], Integer.parseInt(c[1])));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        clusterOf.put(id, c[0]);
        return id;
    }

    private List<String> queue(String prefix, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] c = next(null, 0);
            ids.add("queue." + prefix + i); // the queue's ids start with "queue."
            requests.add(ReplicaProcesses.request(prefix + i, c[0], Integer.parseInt(c[1])));
            clusterOf.put("queue." + prefix + i, c[0]);
        }
        fx.enqueue(requests);
        return ids;
    }

    private String inbox(String replica, String id) throws Exception {
        String[] c = next(null, 0);
        fx.drop(replica, id, ReplicaProcesses.request(id, c[0], Integer.parseInt(c[1])));
        clusterOf.put("inbox." + id, c[0]); // the inbox's ids start with "inbox."
        return "inbox." + id;
    }

    // ------------------------------------------------------------------ waiting and measuring

    private void awaitStatus(List<String> ids, Set<String> wanted, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(200))
                .until(() -> fx.statuses(ids).values().stream().allMatch(wanted::contains));
    }

    private void awaitOwnersAmong(Set<String> among) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> CLUSTERS.stream()
                .allMatch(c -> fx.owner(c).map(o -> among.contains(o.replica())).orElse(false)));
    }

    /** The clusters {@code replica} owns now, with their owner records. */
    private Map<String, OwnershipEpochs.Owner> ownedBy(String replica) {
        Map<String, OwnershipEpochs.Owner> owned = new TreeMap<>();
        for (String cluster : CLUSTERS) {
            fx.owner(cluster).filter(o -> o.replica().equals(replica)).ifPresent(o -> owned.put(cluster, o));
        }
        return owned;
    }

    private Map<String, String> owners() {
        Map<String, String> owners = new TreeMap<>();
        for (String cluster : CLUSTERS) {
            owners.put(cluster, fx.owner(cluster).map(o -> o.replica() + " (epoch " + o.epoch() + ")").orElse("none"));
        }
        return owners;
    }

    /** Waits for another replica's claim of each cluster: the time from {@code from} to that claim, by cluster. */
    private Map<String, Duration> awaitTakeovers(Map<String, OwnershipEpochs.Owner> owned, Instant from) {
        Map<String, Duration> takeovers = new TreeMap<>();
        for (OwnershipEpochs.Owner old : owned.values()) {
            await().atMost(LEASE.plusSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> fx.owner(old.cluster())
                    .map(o -> o.epoch() > old.epoch() && !o.replica().equals(old.replica())).orElse(false));
            takeovers.put(old.cluster(), Duration.between(from, fx.owner(old.cluster()).orElseThrow().since()));
        }
        return takeovers;
    }

    /**
     * Jobs-endpoint requests per second on each simulator over {@link #POLL_WINDOW} while {@code jobs} run (all of
     * them, from the window's start to its end), and who sent them.
     */
    private Map<String, Double> pollRates(String what, List<String> jobs) {
        awaitStatus(jobs, Set.of("running"), Duration.ofSeconds(30));
        Duration window = POLL_WINDOW;
        Map<String, Long> before = new LinkedHashMap<>();
        CLUSTERS.forEach(c -> before.put(c, polls(fx.simulators.get(c))));
        Instant from = Instant.now();
        long t0 = System.nanoTime();
        await().pollDelay(window).atMost(window.plusSeconds(1)).until(() -> true); // a measuring window, not a wait for a state
        double seconds = (System.nanoTime() - t0) / 1e9;
        Instant to = Instant.now();
        Map<String, Double> rates = new TreeMap<>();
        for (String cluster : CLUSTERS) {
            rates.put(cluster, Math.round((polls(fx.simulators.get(cluster)) - before.get(cluster)) / seconds * 100) / 100.0);
            Map<String, Long> byReplica = fx.polls(cluster).stream().filter(p -> !p.at().isBefore(from) && !p.at().isAfter(to))
                    .collect(Collectors.groupingBy(PollWindows.Poll::replica, TreeMap::new, Collectors.counting()));
            LOG.info("Polls of {} with {}: {} per second, by replica {}", cluster, what, rates.get(cluster), byReplica);
        }
        assertThat(fx.statuses(jobs).values()).as("the jobs measured ran throughout the window").allMatch("running"::equals);
        return rates;
    }

    private static long polls(OntapSimulator sim) {
        return sim.stats().jobGets() + sim.stats().jobListGets();
    }

    // ------------------------------------------------------------------ small things

    private static void onceEach(String sink, Map<String, Integer> seen, Set<String> ids) {
        assertThat(new TreeSet<>(seen.keySet())).as("the outcomes in the " + sink).isEqualTo(new TreeSet<>(ids));
        assertThat(seen).as("each outcome once in the " + sink).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }

    private static long count(Map<String, String> statuses, String status) {
        return statuses.values().stream().filter(status::equals).count();
    }

    private static Map<String, Long> millis(Map<String, Duration> durations) {
        Map<String, Long> ms = new TreeMap<>();
        durations.forEach((k, v) -> ms.put(k, v.toMillis()));
        return ms;
    }

    private static Map<String, Duration> concat(Map<String, Duration> a, Map<String, Duration> b) {
        Map<String, Duration> all = new LinkedHashMap<>();
        a.forEach((k, v) -> all.put("after SIGKILL, " + k, v));
        b.forEach((k, v) -> all.put("after SIGSTOP, " + k, v));
        return all;
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}

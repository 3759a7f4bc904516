package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.operation.OwnershipLostException;
import io.ontapjobs.store.Fencing;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.time.VirtualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Take-over, hand-over, fencing and the poll gate of {@link Ownerships} on virtual time: replicas on one store (H2),
 * their elections a {@link Ballot} the test decides, their runners a {@link FakeWork}, their HA threads ticking every
 * 500 virtual ms when the test lets time pass. Nothing sleeps; each step is at an exact virtual time.
 */
class OwnershipsTest {
    static final Duration LEASE = Duration.ofSeconds(6);
    static final Duration RENEW = Duration.ofSeconds(1);
    static final Duration TICK = Duration.ofMillis(HighAvailability.TICK_MS);
    static final Set<String> CLUSTERS = Set.of("default", "second");

    @TempDir
    Path dir;
    OperationStore store;
    final VirtualClock clock = new VirtualClock(Instant.parse("2026-12-07T00:00:00Z"));
    final Ballot ballot = new Ballot();
    final Map<String, Replica> replicas = new LinkedHashMap<>();

    /** One replica: its epochs, its runner's calls, its state per cluster. */
    record Replica(String name, Fencing fencing, FakeWork work, Ownerships ha) {
    }

    /** The runner's side: what was taken up, picked up and released, and how many triggers are being sent. */
    static final class FakeWork implements Work {
        final OperationStore store;
        final Map<String, Integer> takenUp = new HashMap<>();
        final Map<String, Integer> pickUps = new HashMap<>();
        final List<String> released = new ArrayList<>();
        final Map<String, Long> sending = new HashMap<>();

        FakeWork(OperationStore store) {
            this.store = store;
        }

        @Override
        public int takeUp(String cluster) {
            int unfinished = store.unfinished(cluster).size();
            takenUp.merge(cluster, unfinished, Integer::sum);
            return unfinished;
        }

        @Override
        public int pickUp(String cluster) {
            pickUps.merge(cluster, 1, Integer::sum);
            return 0;
        }

        @Override
        public int release(String cluster) {
            released.add(cluster);
            return 0;
        }

        @Override
        public long sending(String cluster) {
            return sending.getOrDefault(cluster, 0L);
        }
    }

    @BeforeEach
    void openStore() {
        store = OperationStore.embedded(dir);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    Replica replica(String name, boolean spread) {
        HaSettings settings = new HaSettings("zookeeper", name, LEASE, RENEW, null, "zk:2181", null, null, Map.of(), spread);
        Fencing fencing = new Fencing(name);
        FakeWork work = new FakeWork(store);
        Ownerships ha = new Ownerships(settings, CLUSTERS, store, fencing, work, clock);
        ha.elections(ballot.of(name));
        ballot.stand(name, "default", "second");
        Replica r = new Replica(name, fencing, work, ha);
        replicas.put(name, r);
        return r;
    }

    /** The cluster service makes {@code leader} lead {@code cluster}, and tells every replica. */
    void elect(String cluster, String leader) {
        ballot.leader.put(cluster, leader);
        replicas.values().forEach(r -> r.ha().leadership(cluster, r.name().equals(leader)));
    }

    /** {@code by} of virtual time passes, every replica's HA thread ticking every 500 ms. */
    void run(Duration by) {
        for (long n = by.dividedBy(TICK); n > 0; n--) {
            clock.advance(TICK);
            replicas.values().forEach(r -> r.ha().tick());
        }
    }

    void accepted(String id, String cluster) {
        store.insert(id, cluster, "{\"id\":\"" + id + "\",\"cluster\":\"" + cluster + "\"}", clock.now());
    }

    long epoch(String cluster) {
        return store.epochs().owner(cluster).orElseThrow().epoch();
    }

    @Test
    void takeOverTheNewLeaderClaimsANewEpochAndTakesUpTheClustersOperations() {
        Replica r1 = replica("r1", false);
        Replica r2 = replica("r2", false);
        elect("default", "r1");
        elect("second", "r1");
        assertThat(r1.ha().state()).isEqualTo(Map.of("default", "owner", "second", "owner"));
        assertThat(r2.ha().state()).isEqualTo(Map.of("default", "follower", "second", "follower"));
        long before = epoch("default");
        accepted("op-1", "default");
        accepted("op-2", "default");
        run(Duration.ofSeconds(2));
        assertThat(r1.work().pickUps.get("default")).as("the owner picks up what others accepted, every tick").isEqualTo(4);
        assertThat(r2.work().pickUps).isEmpty();

        // r1 goes quiet: the cluster service elects r2; r1 is not told (camel-zookeeper cannot while disconnected)
        ballot.leader.put("default", "r2");
        r2.ha().leadership("default", true);
        assertThat(store.epochs().owner("default").orElseThrow().replica()).isEqualTo("r2");
        assertThat(epoch("default")).as("a new epoch").isGreaterThan(before);
        assertThat(r2.fencing().epoch("default")).isEqualTo(epoch("default"));
        assertThat(r2.work().takenUp).as("the unfinished operations taken up").isEqualTo(Map.of("default", 2));
        assertThat(r2.ha().owns("default")).isTrue();
        assertThat(r2.ha().mayPoll("default")).isTrue();
        assertThat(r2.ha().state()).containsEntry("default", "owner").containsEntry("second", "follower");

        // r1's next tick finds it no longer leads: it drops the cluster's work, ending nothing
        run(TICK);
        assertThat(r1.ha().owns("default")).isFalse();
        assertThat(r1.ha().mayPoll("default")).isFalse();
        assertThat(r1.fencing().epoch("default")).isNull();
        assertThat(r1.work().released).containsExactly("default");
        assertThat(r1.ha().state()).isEqualTo(Map.of("default", "follower", "second", "owner"));
        int picked = r1.work().pickUps.get("default");
        run(Duration.ofSeconds(2));
        assertThat(r1.work().pickUps.get("default")).as("no longer picked up by r1").isEqualTo(picked);
        assertThat(r2.work().pickUps.get("default")).isEqualTo(5);
        assertThat(r2.work().pickUps).doesNotContainKey("second");
    }

    @Test
    void handOverSpreadingGivesAClusterUpOnceItsTriggersAreSentAndStandsAgainOnceAnotherLeadsIt() {
        Replica r1 = replica("r1", true);
        Replica r2 = replica("r2", true);
        elect("default", "r1");
        elect("second", "r1");
        long before = epoch("default") + epoch("second");
        r1.work().sending.put("default", 1L);
        r1.work().sending.put("second", 1L);
        run(Duration.ofMillis(2500)); // within the cool-down: 3 renew intervals after the last change
        assertThat(r1.ha().state()).isEqualTo(Map.of("default", "owner", "second", "owner"));
        assertThat(r1.ha().spreadState()).isEqualTo("on: 2 replica(s), fair share 1");

        run(Duration.ofSeconds(1)); // the spreading check at 3.5 s
        String given = r1.ha().state().entrySet().stream().filter(e -> e.getValue().equals("handing over")).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        String kept = given.equals("default") ? "second" : "default";
        assertThat(r1.ha().state()).containsEntry(kept, "owner");
        assertThat(r1.ha().owns(given)).as("takes no new work of it").isFalse();
        assertThat(r1.ha().mayPoll(given)).as("its jobs are still polled").isTrue();
        int picked = r1.work().pickUps.get(given);

        run(Duration.ofSeconds(2)); // a trigger is being sent: it waits
        assertThat(r1.ha().state()).containsEntry(given, "handing over");
        assertThat(ballot.done).isEmpty();
        assertThat(r1.work().pickUps.get(given)).as("what others accept meanwhile is left to the next owner").isEqualTo(picked);

        r1.work().sending.put(given, 0L);
        run(TICK);
        assertThat(ballot.done).containsExactly("r1 leave " + given);
        assertThat(r1.ha().state()).containsEntry(given, "given up").containsEntry(kept, "owner");
        assertThat(r1.fencing().epoch(given)).isNull();
        assertThat(r1.work().released).containsExactly(given);

        elect(given, "r2"); // the next in line
        assertThat(store.epochs().owner(given).orElseThrow().replica()).isEqualTo("r2");
        assertThat(epoch("default") + epoch("second")).as("taken over with a new epoch").isEqualTo(before + 1);
        run(Duration.ofSeconds(2)); // the first check a renew interval after leaving: r2 leads it, r1 stands again
        assertThat(ballot.done).containsExactly("r1 leave " + given, "r1 stand " + given);
        assertThat(r1.ha().state()).isEqualTo(Map.of(given, "follower", kept, "owner"));
        assertThat(r2.ha().state()).isEqualTo(Map.of(given, "owner", kept, "follower"));

        run(Duration.ofSeconds(30)); // each leads its fair share: nothing more is given up
        assertThat(ballot.done).hasSize(2);
        assertThat(r1.ha().state()).containsEntry(kept, "owner");
        assertThat(r2.ha().state()).containsEntry(given, "owner");
    }

    @Test
    void handOverAClusterWhoseTriggersAreStillBeingSentAfterALeaseIsKept() {
        Replica r1 = replica("r1", true);
        replica("r2", true);
        elect("default", "r1");
        elect("second", "r1");
        r1.work().sending.put("default", 1L);
        r1.work().sending.put("second", 1L);
        run(Duration.ofMillis(3500));
        String given = r1.ha().state().entrySet().stream().filter(e -> e.getValue().equals("handing over")).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        run(LEASE.minus(TICK));
        assertThat(r1.ha().state()).containsEntry(given, "handing over");
        run(TICK);
        assertThat(r1.ha().state()).as("kept a lease after the hand-over began").containsEntry(given, "owner");
        assertThat(r1.ha().owns(given)).isTrue();
        assertThat(ballot.done).isEmpty();
        assertThat(r1.work().released).isEmpty();
    }

    @Test
    void fencingAStaleOwnersEpochIsRefusedAndItsNextTickDropsTheCluster() {
        Replica r1 = replica("r1", false);
        elect("default", "r1");
        elect("second", "r1");
        accepted("op-1", "default");
        long stale = r1.fencing().epoch("default");

        // another replica claims both behind r1's back, as one whose lease r1 outlived would (r1 still leads in its view)
        long newer = store.epochs().claim("default", new Fencing("usurper"));
        store.epochs().claim("second", new Fencing("usurper"));
        assertThat(newer).isGreaterThan(stale);
        assertThat(r1.ha().owns("default")).as("not known yet").isTrue();
        assertThatThrownBy(() -> store.repository(List.of(), r1.fencing()).triggering("op-1", 1))
                .as("the store refuses a step of the old epoch").isInstanceOf(OwnershipLostException.class)
                .hasMessageContaining("has a newer owner (usurper, epoch " + newer + ")");
        assertThat(store.find("op-1").orElseThrow().status()).isEqualTo("accepted");
        assertThat(r1.ha().owns("default")).as("the refusal dropped r1's epoch").isFalse();
        assertThat(r1.ha().owns("second")).as("no step refused on second yet").isTrue();

        run(TICK); // the tick asks the store: second's newer owner is found without any step refused
        assertThat(r1.ha().state()).isEqualTo(Map.of("default", "fenced out", "second", "fenced out"));
        assertThat(r1.ha().owns("second")).isFalse();
        assertThat(r1.ha().mayPoll("second")).isFalse();
        assertThat(r1.work().released).containsExactlyInAnyOrder("default", "second");

        run(LEASE.multipliedBy(2)); // still leading in its view, it claims nothing until it leads anew
        assertThat(store.epochs().owner("default").orElseThrow().replica()).isEqualTo("usurper");
        assertThat(r1.ha().state()).containsEntry("default", "fenced out");

        elect("default", null);
        elect("default", "r1");
        assertThat(r1.fencing().epoch("default")).isEqualTo(newer + 1);
        assertThat(r1.ha().state()).containsEntry("default", "owner").containsEntry("second", "fenced out");
        assertThat(r1.work().takenUp.get("default")).as("op-1 taken up again, now under the new epoch").isEqualTo(1);
        store.repository(List.of(), r1.fencing()).triggering("op-1", 1);
        assertThat(store.find("op-1").orElseThrow().status()).isEqualTo("triggering");
    }

    @Test
    void pollGateHeldOnceTheStoresConfirmationIsHalfALeaseOldAndOpenAgainOnTheNextConfirmation() {
        Replica r1 = replica("r1", false);
        elect("default", "r1");
        assertThat(r1.ha().mayPoll("default")).isTrue();
        assertThat(r1.ha().mayPoll("second")).as("not owned").isFalse();
        run(LEASE.multipliedBy(3));
        assertThat(r1.ha().mayPoll("default")).as("confirmed every tick").isTrue();

        // the HA thread is stuck (a call to ZooKeeper, a pause): no tick, time goes on
        clock.advance(LEASE.dividedBy(2).minusMillis(1));
        assertThat(r1.ha().mayPoll("default")).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(r1.ha().mayPoll("default")).as("half a lease since the last confirmation").isFalse();
        assertThat(r1.ha().state()).containsEntry("default", "owner, not confirmed in the store lately: polls held");
        assertThat(r1.ha().owns("default")).as("still the owner: only its polls wait").isTrue();

        r1.ha().tick(); // the store confirms r1's epoch
        assertThat(r1.ha().mayPoll("default")).isTrue();
        assertThat(r1.ha().state()).containsEntry("default", "owner");

        // the store does not answer: the ticks go on, but confirm nothing
        store.close();
        run(LEASE.dividedBy(2).minus(TICK));
        assertThat(r1.ha().mayPoll("default")).isTrue();
        run(TICK);
        assertThat(r1.ha().mayPoll("default")).isFalse();
        assertThat(r1.ha().state()).containsEntry("default", "owner, not confirmed in the store lately: polls held");
        store = OperationStore.embedded(dir); // for closeStore
    }
}

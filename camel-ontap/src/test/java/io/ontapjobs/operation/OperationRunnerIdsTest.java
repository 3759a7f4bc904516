package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.ClusterCalls;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.time.SystemClock;
import io.ontapjobs.tracker.JobTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operation ids belong to whoever made them: the same requester gets its operation back (never triggered twice),
 * any other is refused ({@link IdTakenException}, field {@code id}, nothing disclosed), whether the operation is in
 * this process's memory, recorded by another process over the same repository, or ended in an earlier one. The
 * inbox's and the queue's ids carry their source's prefix, so no other entry point takes them.
 */
class OperationRunnerIdsTest {
    final InMemoryOperationRepository repository = new InMemoryOperationRepository();
    final List<AutoCloseable> closing = new ArrayList<>();
    ScheduledExecutorService timer;
    ExecutorService completions;
    DefaultCamelContext camel;
    OntapSimulator sim;

    @BeforeEach
    void start() throws Exception {
        timer = Executors.newSingleThreadScheduledExecutor();
        completions = Executors.newFixedThreadPool(2);
        camel = new DefaultCamelContext();
        camel.start();
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(50)).build());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        sim.close();
        camel.close();
        timer.shutdownNow();
        completions.shutdownNow();
    }

    /** A process's runner over the shared repository, owning the clusters in {@code owned}. */
    OperationRunner process(Set<String> owned) throws Exception {
        ClusterConfig config = ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!");
        OntapClient client = new OntapClient(camel, config);
        ClusterCalls calls = new ClusterCalls("default", 2);
        SystemClock clock = new SystemClock(timer);
        JobTracker tracker = new JobTracker(client, clock, calls::executeFirst, completions, new Random(), OntapMetrics.NONE);
        tracker.start();
        closing.add(calls::shutdownNow);
        closing.add(tracker::close);
        Cluster cluster = new Cluster(config, client, tracker, calls);
        Policies policies = Policies.builtIn();
        OperationRunner runner = new OperationRunner(name -> cluster, policies::get, clock, new Random(), repository,
                List.of(), OntapMetrics.NONE);
        runner.ownership(new ClusterOwnership() {
            @Override
            public boolean owns(String c) {
                return owned.contains(c);
            }

            @Override
            public CompletableFuture<Outcome> outcome(String operationId) {
                return new CompletableFuture<>();
            }
        });
        return runner;
    }

    /** A request document as a client sends it, recorded as asked for by {@code who} (null: the operator's route). */
    static OperationRequest request(String id, String name, String who) {
        OperationRequest r = OperationRequest.fromJson("{\"id\":\"" + id + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"" + name + "\"}}");
        return who == null ? r : r.requestedBy(who);
    }

    static Outcome outcome(CompletableFuture<Outcome> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    static void assertTaken(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(IdTakenException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo("id"))
                .hasMessage("id: an operation with this id exists for another requester; choose another id");
    }

    @Test
    void theSameRequesterGetsItsOperationAndAnotherIsRefusedWhileItRunsAndOnceItEnded() throws Exception {
        OperationRunner runner = process(Set.of("default"));
        assertThat(runner.accept(request("nightly", "vol_ci", "ci"))).isTrue();
        assertThat(runner.accept(request("nightly", "vol_ci", "ci"))).as("idempotent: known, not new").isFalse();
        assertTaken(() -> runner.accept(request("nightly", "decoy", "squatter")));
        assertTaken(() -> runner.run(request("nightly", "decoy", "squatter")));
        assertTaken(() -> runner.run(request("nightly", "decoy", null))); // the operator's routes are a requester too

        Outcome first = outcome(runner.run(request("nightly", "vol_ci", "ci")));
        assertThat(first.status()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome(runner.run(request("nightly", "vol_ci", "ci")))).as("the same outcome, not run again").isEqualTo(first);
        assertTaken(() -> runner.run(request("nightly", "decoy", "squatter")));
        assertTaken(() -> runner.accept(request("nightly", "decoy", "squatter")));
        assertThat(sim.stats().triggers()).as("triggered once, for its requester").isEqualTo(1);
        assertThat(sim.records("/api/storage/volumes")).extracting(v -> v.path("name").asText()).containsExactly("vol_ci");
    }

    @Test
    void theInboxsRequestsRunUnderTheirPrefixSoARouteOrAClientCannotBlockThem() throws Exception {
        OperationRunner runner = process(Set.of("default"));
        outcome(runner.run(request("snap-1", "decoy", null))); // the same bare id, taken by a route first
        OperationRequest file = OperationRequest.fromJson("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"snap\"}}",
                OperationRequest.idFromName("snap-1.json")).requestedBy(OperationRequest.INBOX);
        assertThat(file.id()).isEqualTo("inbox.snap-1");
        assertThat(outcome(runner.run(file)).status()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(sim.records("/api/storage/volumes")).extracting(v -> v.path("name").asText()).containsExactly("decoy", "snap");
        assertThat(outcome(runner.run(file)).operationId()).as("the same file read again: its own operation").isEqualTo("inbox.snap-1");
        assertThat(sim.stats().triggers()).isEqualTo(2);
        // whoever else names the prefixed id is refused: a route (the API refuses such ids before, with a 400)
        assertTaken(() -> runner.run(request("inbox.snap-1", "decoy", null)));
        assertTaken(() -> runner.run(request("inbox.snap-1", "decoy", "squatter")));
        assertThat(request("q-1", "x", OperationRequest.QUEUE).id()).isEqualTo("queue.q-1");
        assertThat(request("q-1", "x", OperationRequest.QUEUE).requestedBy()).isEqualTo("queue");
        assertThat(request("q-1", "x", "ci").id()).as("an API client's ids are as sent").isEqualTo("q-1");
        assertThat(sim.stats().triggers()).isEqualTo(2);
    }

    @Test
    void aFileTakenBeforeIdsHadTheirPrefixGoesOnAsThatOperationAfterAnUpgrade() throws Exception {
        // recorded by the version before the prefix: the file's bare id, requested by the inbox, not yet ended
        repository.insert("nightly", "default", "{\"id\":\"nightly\",\"cluster\":\"default\",\"method\":\"POST\","
                + "\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol_n\"},\"requested_by\":\"inbox\"}", java.time.Instant.now());
        OperationRunner upgraded = process(Set.of("default"));
        assertThat(upgraded.resume()).isEqualTo(1);
        OperationRequest file = OperationRequest.fromJson("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"vol_n\"}}", "nightly").requestedBy(OperationRequest.INBOX); // the same file, read again

        assertThat(outcome(upgraded.run(file)).operationId()).isEqualTo("nightly");
        assertThat(repository.find("inbox.nightly")).as("no second operation").isEmpty();
        assertThat(sim.stats().triggers()).as("triggered once").isEqualTo(1);
        // another source's bare id is not taken over: a queue message named like the file is its own operation
        OperationRequest message = request("nightly", "vol_q", OperationRequest.QUEUE);
        assertThat(outcome(upgraded.run(message)).operationId()).isEqualTo("queue.nightly");
        assertThat(sim.stats().triggers()).isEqualTo(2);
    }

    @Test
    void anIdRecordedByAnotherProcessOrAnEarlierOneIsRefusedToAnotherRequester() throws Exception {
        OperationRunner recorder = process(Set.of()); // another replica: records, its cluster's owner runs it
        OperationRunner owner = process(Set.of("default"));
        assertThat(recorder.accept(request("ha-1", "vol_ci", "ci"))).isTrue();
        assertTaken(() -> owner.accept(request("ha-1", "decoy", "squatter")));
        assertTaken(() -> owner.run(request("ha-1", "decoy", "squatter")));
        assertTaken(() -> process(Set.of()).accept(request("ha-1", "decoy", "squatter")));
        assertThat(owner.pickUp("default")).isEqualTo(1);
        Outcome ended = outcome(owner.run(request("ha-1", "vol_ci", "ci")));
        assertThat(ended.status()).isEqualTo(OutcomeStatus.SUCCEEDED);

        OperationRunner later = process(Set.of("default")); // a restart: the id is known to the repository only
        assertTaken(() -> later.run(request("ha-1", "decoy", "squatter")));
        assertThat(outcome(later.run(request("ha-1", "vol_ci", "ci"))).operationId()).isEqualTo("ha-1");
        assertThat(sim.stats().triggers()).isEqualTo(1);
        assertThat(repository.find("ha-1").orElseThrow().request()).as("the stored operation is untouched")
                .contains("\"requested_by\":\"ci\"").contains("vol_ci").doesNotContain("decoy");
    }

    @Test
    void aPrefixedIdMustStillFitAndTheEntryPointsPrefixesAreReservedForThem() throws Exception {
        String longest = "a".repeat(122);
        assertThat(request(longest, "x", "inbox").id()).hasSize(128);
        assertThatThrownBy(() -> request(longest + "b", "x", "inbox")).isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo("id"))
                .hasMessageContaining("at most 122");
        assertThatThrownBy(() -> request("a".repeat(123), "x", "queue")).hasMessageStartingWith("id: too long");
        for (String reserved : List.of("inbox.x", "queue.x", "INBOX.x", "Queue.nightly")) {
            assertThatThrownBy(() -> OperationRequest.checkNotReserved(reserved)).as(reserved).isInstanceOf(InvalidRequestException.class)
                    .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo("id"));
        }
        OperationRequest.checkNotReserved("inbox-x");
        OperationRequest.checkNotReserved("my.inbox.x");
        // read back as stored: the prefix is not added twice
        OperationRequest stored = request("f", "x", "inbox");
        assertThat(OperationRequest.fromStored(stored.toJson())).isEqualTo(stored);
        assertThat(OperationRequest.storedRequester(stored.toJson())).isEqualTo("inbox");
        assertThat(OperationRequest.storedRequester(request("f", "x", null).toJson())).isNull();
    }
}

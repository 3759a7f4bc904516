package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Actions sent to a process that does not own the operation's cluster, as with several replicas: runners of their own
 * (client, tracker, pool) over one repository and one simulator; only the owner triggers, tracks and ends. And an
 * owner fenced out by the repository: it drops its run and publishes nothing.
 */
class OperationRunnerControlTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final InMemoryOperationRepository repository = new InMemoryOperationRepository();
    final List<Outcome> ended = new CopyOnWriteArrayList<>();
    /** The operations a runner, having dropped its run, waits for from another process. */
    final Set<String> awaitedElsewhere = ConcurrentHashMap.newKeySet();
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
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").runsUntilCancelled().build());
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

    /** A process's runner: it owns the clusters in {@code owned} (changed by the test as an election would). */
    OperationRunner process(Set<String> owned) throws Exception {
        return process(owned, repository);
    }

    OperationRunner process(Set<String> owned, OperationRepository repository) throws Exception {
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
                List.of(ended::add), OntapMetrics.NONE);
        runner.ownership(new ClusterOwnership() {
            @Override
            public boolean owns(String c) {
                return owned.contains(c);
            }

            @Override
            public CompletableFuture<Outcome> outcome(String operationId) {
                awaitedElsewhere.add(operationId);
                return new CompletableFuture<>(); // no other process ends it here
            }
        });
        return runner;
    }

    /** The shared repository, refusing every outcome as the store refuses a stale owner's (a newer epoch fences it). */
    OperationRepository refusingEnds() {
        return (OperationRepository) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {OperationRepository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("end")) {
                        throw new OwnershipLostException("cluster default has a newer owner: step end of " + args[0] + " not recorded");
                    }
                    try {
                        return method.invoke(repository, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static OperationRequest request(String id) {
        return OperationRequest.fromJson("{\"id\":\"" + id + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"" + id.replace('-', '_') + "\"}}");
    }

    /** Accepted by {@code taker}, picked up and triggered by {@code owner}: its job's UUID once the store has it. */
    String runningJob(OperationRunner taker, OperationRunner owner, String id) throws Exception {
        assertThat(taker.accept(request(id))).isTrue();
        owner.pickUp("default");
        await().atMost(Duration.ofSeconds(10)).until(() -> "running".equals(repository.find(id).orElseThrow().status()));
        return JSON.readTree(repository.find(id).orElseThrow().jobs()).get(0).asText();
    }

    String jobState(String uuid) {
        return sim.job(uuid).orElseThrow().path("state").asText();
    }

    static ControlResult answer(CompletableFuture<ControlResult> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void pauseResumeAndCancelSentToAnotherProcessReachTheJobAndTheOwnerEndsItCancelled() throws Exception {
        OperationRunner owner = process(Set.of("default"));
        OperationRunner other = process(Set.of());
        String job = runningJob(other, owner, "op-1");

        ControlResult pause = answer(other.control("op-1", "pause"));
        assertThat(pause.status()).isEqualTo(200);
        assertThat(pause.accepted()).isTrue();
        assertThat(pause.job()).isEqualTo(job);
        assertThat(jobState(job)).isEqualTo("paused");
        // ONTAP's refusal comes back as it is, as the owner would give it
        ControlResult again = answer(other.control("op-1", "pause"));
        assertThat(again).isEqualTo(answer(owner.control("op-1", "pause")));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("458776");

        assertThat(answer(other.control("op-1", "resume")).accepted()).isTrue();
        assertThat(jobState(job)).isEqualTo("running");

        ControlResult cancel = answer(other.control("op-1", "cancel"));
        assertThat(cancel.accepted()).isTrue();
        assertThat(sim.job(job).orElseThrow().path("code").asLong()).isEqualTo(458790);

        Outcome outcome = owner.run(request("op-1")).get(20, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(OutcomeStatus.CANCELLED);
        assertThat(outcome.reason()).isEqualTo("cancelled on request");
        await().atMost(Duration.ofSeconds(5)).until(() -> !ended.isEmpty());
        assertThat(ended).extracting(Outcome::operationId).containsExactly("op-1");

        ControlResult late = answer(other.control("op-1", "cancel"));
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.message()).isEqualTo("operation 'op-1' has ended (cancelled)");
        assertThat(late.message()).isEqualTo(answer(owner.control("op-1", "cancel")).message());
        assertThat(answer(other.control("nope", "pause")).status()).isEqualTo(404);
        assertThat(sim.stats().triggers()).as("triggered by the owner only, once").isEqualTo(1);
    }

    @Test
    void anOwnerWhoseOutcomeTheStoreRefusesDropsItsRunAndPublishesNothing() throws Exception {
        OperationRunner stale = process(Set.of("default"), refusingEnds());
        String job = runningJob(process(Set.of()), stale, "op-5");

        assertThat(answer(stale.control("op-5", "cancel")).accepted()).isTrue(); // the job ends: the runner tries to end it

        await().atMost(Duration.ofSeconds(10)).until(() -> awaitedElsewhere.contains("op-5"));
        assertThat(jobState(job)).isEqualTo("failure");
        StoredOperation stored = repository.find("op-5").orElseThrow();
        assertThat(stored.status()).as("not ended by the stale owner").isEqualTo("running");
        assertThat(stored.outcome()).isNull();
        assertThat(ended).as("nothing published").isEmpty();
        // the run is gone from memory: an action is answered from the store, as any process would answer it
        assertThat(answer(stale.control("op-5", "pause")).status()).isEqualTo(409);
        assertThat(sim.stats().triggers()).isEqualTo(1);
    }

    @Test
    void anOperationNotYetTriggeredHasNoJobToControlWhereverTheActionIsSent() throws Exception {
        OperationRunner other = process(Set.of());
        assertThat(other.accept(request("op-2"))).isTrue();

        ControlResult early = answer(other.control("op-2", "cancel"));

        assertThat(early.status()).isEqualTo(409);
        assertThat(early.message()).isEqualTo("operation 'op-2' has no job running yet");
        assertThat(repository.find("op-2").orElseThrow().cancelRequest()).as("nothing sent, nothing recorded").isNull();
        assertThat(sim.stats().jobPatches()).isZero();
    }

    @Test
    void aCancelOntapRefusesIsAnsweredAsItIsAndNotRecorded() throws Exception {
        sim.clearScenarios();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").runsUntilCancelled().cancelUnsupported().build());
        OperationRunner owner = process(Set.of("default"));
        OperationRunner other = process(Set.of());
        runningJob(other, owner, "op-3");

        ControlResult refused = answer(other.control("op-3", "cancel"));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("458784");
        assertThat(repository.find("op-3").orElseThrow().cancelRequest()).isNull();
    }

    @Test
    void aCancelAcceptedWhileTheClusterChangesOwnerEndsTheOperationCancelledByTheNewOwner() throws Exception {
        Set<String> first = ConcurrentHashMap.newKeySet();
        first.add("default");
        OperationRunner oldOwner = process(first);
        OperationRunner other = process(Set.of());
        String job = runningJob(other, oldOwner, "op-4");
        first.remove("default");
        oldOwner.release("default"); // it no longer polls the job: it cannot see the cancel

        assertThat(answer(other.control("op-4", "cancel")).accepted()).isTrue();
        assertThat(repository.find("op-4").orElseThrow().cancelRequest()).isEqualTo("accepted");
        assertThat(jobState(job)).isEqualTo("failure");

        OperationRunner newOwner = process(Set.of("default"));
        assertThat(newOwner.takeUp("default")).isEqualTo(1);
        Outcome outcome = newOwner.run(request("op-4")).get(20, TimeUnit.SECONDS);
        assertThat(outcome.status()).as("the job failed because it was cancelled on request").isEqualTo(OutcomeStatus.CANCELLED);
        assertThat(outcome.reason()).isEqualTo("cancelled on request");
        assertThat(repository.find("op-4").orElseThrow().status()).isEqualTo("cancelled");
    }
}

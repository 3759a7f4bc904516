package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Observation;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.time.QueuedExecutor;
import io.ontapjobs.time.VirtualClock;
import io.ontapjobs.tracker.JobTracker;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runner's timeouts, retries and waits on virtual time: the runner, its cluster's tracker and the simulator's
 * jobs follow one {@link VirtualClock}; REST calls run on the test thread between the clock's tasks.
 */
class OperationRunnerTimeTest {
    static final Instant ORIGIN = Instant.parse("2030-01-01T00:00:00Z");
    static final long SEED = 7;
    static final Policies POLICIES = Policies.parse("""
            policies:
              default:
                poll: {initial: 1s, max: 4s, multiplier: 2.0, jitter: 0}
                timeout: 10s
                on-timeout: cancel
              patient:
                timeout: 5m
              busy:
                timeout: 5m
                rules:
                  - when: {code: [524486]}
                    then: retry
                    max-attempts: 3
                    backoff: 5s
            """, "test-policies.yaml");

    final VirtualClock clock = new VirtualClock(ORIGIN);
    final QueuedExecutor calls = new QueuedExecutor();
    final List<String> seen = new ArrayList<>();
    OntapSimulator sim;
    DefaultCamelContext context;
    JobTracker tracker;
    OperationRunner runner;

    @BeforeEach
    void start() throws Exception {
        sim = OntapSimulator.builder().port(0).clock(clock.asClock()).build().start();
        context = new DefaultCamelContext();
        context.start();
        clock.settleWith(calls::drain);
    }

    @AfterEach
    void stop() throws Exception {
        if (tracker != null) {
            tracker.close();
        }
        context.close();
        sim.close();
    }

    /** The runner on one cluster; its repository notes the state the runner shows when a trigger is recorded. */
    private OperationRunner runner(ClusterConfig config) throws Exception {
        OntapClient client = new OntapClient(context, config);
        tracker = new JobTracker(client, clock, calls, calls, new Random(SEED), OntapMetrics.NONE);
        tracker.start();
        Cluster cluster = new Cluster(config, client, tracker, calls);
        OperationRepository memory = new InMemoryOperationRepository();
        OperationRepository repository = new OperationRepository() {
            @Override
            public boolean insert(String id, String cluster, String requestJson, Instant acceptedAt) {
                return memory.insert(id, cluster, requestJson, acceptedAt);
            }

            @Override
            public void triggering(String id, int attempt) {
                seen.add("attempt " + attempt + ": " + runner.snapshot(id).orElseThrow().status()
                        + ", triggering " + runner.count(config.name(), OperationState.TRIGGERING)
                        + ", running " + runner.count(config.name(), OperationState.RUNNING));
                memory.triggering(id, attempt);
            }

            @Override
            public void running(String id, int attempts, String jobsJson) {
                memory.running(id, attempts, jobsJson);
            }

            @Override
            public void end(String id, String status, String outcomeJson) {
                memory.end(id, status, outcomeJson);
            }

            @Override
            public java.util.Optional<StoredOperation> find(String id) {
                return memory.find(id);
            }

            @Override
            public List<StoredOperation> unfinished() {
                return memory.unfinished();
            }
        };
        runner = new OperationRunner(name -> cluster, name -> POLICIES.get(name == null ? "default" : name), clock,
                new Random(SEED), repository, List.of(), OntapMetrics.NONE);
        return runner;
    }

    private OperationRunner runner() throws Exception {
        return runner(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
    }

    private static OperationRequest request(String json) {
        return OperationRequest.fromJson(json);
    }

    @Test
    void anOperationTimesOutAtExactlyItsTimeout() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());

        CompletableFuture<Outcome> outcome = runner().run(request(
                "{\"id\":\"t1\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r1/transfers\"}"));
        clock.advance(Duration.ofMillis(9999));
        assertThat(outcome).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(outcome).isDone();
        Outcome o = outcome.join();
        assertThat(o.status()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(o.time()).isEqualTo(ORIGIN.plusSeconds(10));
        assertThat(o.polls()).as("read at 1, 3 and 7 s (backoff 1 s doubling)").isEqualTo(3);
        assertThat(o.reason()).contains("timed out after 10 s").contains("cancelled");
        assertThat(sim.job(o.job().uuid()).orElseThrow().get("state").asText()).isEqualTo("failure");
    }

    @Test
    void aRetryWaitsThePolicysBackoff() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(1)).build());
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").triggerStatus(409).triggerError(524486, "Volume busy").times(1).build());
        // the retry rule's delay, drawn with the runner's seed (its first draw): 5 s with jitter
        Duration backoff = POLICIES.get("busy").decide(Observation.trigger(409, "524486", "Volume busy"), 1, new Random(SEED)).delay();

        CompletableFuture<Outcome> outcome = runner().run(request(
                "{\"id\":\"r1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"policy\":\"busy\"}"));
        clock.advance(backoff.minusMillis(1));
        assertThat(sim.stats().triggers()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(sim.stats().triggers()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(5));

        assertThat(outcome.join().status()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.join().attempts()).isEqualTo(2);
        assertThat(backoff).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
    }

    @Test
    void anUnreachableClusterEndsTheOperationLostAfterUnreachableAfter() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens there once closed: connections are refused
        }
        runner(ClusterConfig.of("default", "http://127.0.0.1:" + closedPort, "admin", "netapp1!"));

        CompletableFuture<Outcome> outcome = runner.run(request(
                "{\"id\":\"u1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"policy\":\"patient\"}"));
        clock.advance(Duration.ofMillis(29_999));
        assertThat(outcome).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(outcome).isDone();
        assertThat(outcome.join().status()).isEqualTo(OutcomeStatus.LOST);
        assertThat(outcome.join().reason()).contains("unreachable for 30s").contains("nothing was sent");
        assertThat(outcome.join().time()).isEqualTo(ORIGIN.plusSeconds(30));
        assertThat(outcome.join().attempts()).as("sends the cluster never took are one attempt").isEqualTo(1);
    }

    @Test
    void aSecondAttemptIsTriggeringAgainNotRunning() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(1)).build());
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(1)).fails(524486, "Volume busy").times(1).build());

        CompletableFuture<Outcome> outcome = runner().run(request(
                "{\"id\":\"s1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"policy\":\"busy\"}"));
        clock.advance(Duration.ofSeconds(30));

        assertThat(outcome.join().status()).isEqualTo(OutcomeStatus.SUCCEEDED);
        // the first attempt's job is known, but the second trigger is as uncertain as the first while it is sent
        assertThat(seen).containsExactly("attempt 1: triggering, triggering 1, running 0", "attempt 2: triggering, triggering 1, running 0");
        assertThat(runner.snapshot("s1").orElseThrow().status()).isEqualTo("succeeded");
        assertThat(runner.count("default", OperationState.RUNNING)).isZero();
    }
}

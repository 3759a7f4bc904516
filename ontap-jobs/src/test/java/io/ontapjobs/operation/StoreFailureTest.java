package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.ontap.ClusterCalls;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.time.SystemClock;
import io.ontapjobs.tracker.JobTracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store fails under a running operation: the operation must still end, with an outcome that says why, instead of
 * staying "triggering" with a caller that waits for ever.
 */
class StoreFailureTest {
    @TempDir
    Path tmp;

    @Test
    void aStoreThatFailsBeforeTheTriggerEndsTheOperationFailedAndNothingIsSent() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        SystemClock clock = new SystemClock(scheduler);
        var completions = Executors.newFixedThreadPool(2);
        try (OntapSimulator sim = OntapSimulator.builder().port(0).build().start();
             DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            ClusterConfig config = ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!");
            OntapClient client = new OntapClient(camel, config);
            ClusterCalls calls = new ClusterCalls("default", 2);
            Cluster cluster = new Cluster(config, client, new JobTracker(client, clock, calls::executeFirst, completions, new Random(), io.ontapjobs.metrics.OntapMetrics.NONE), calls);
            OperationStore store = OperationStore.embedded(tmp.resolve("data"));
            Policies policies = Policies.builtIn();
            OperationRunner runner = new OperationRunner(name -> cluster, policies::get, clock, new Random(), store.repository(List.of()),
                    List.of(), io.ontapjobs.metrics.OntapMetrics.NONE);
            OperationRequest request = OperationRequest.fromJson("{\"id\":\"store-down\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
            runner.accept(request);
            store.close(); // the database goes away between acceptance and the trigger

            Outcome outcome = runner.run(request).get(20, TimeUnit.SECONDS);

            assertThat(outcome.status()).isEqualTo(OutcomeStatus.FAILED);
            assertThat(outcome.reason()).startsWith("the store could not record the trigger, so it was not sent");
            assertThat(sim.stats().triggers()).isZero();
            calls.shutdownNow();
        } finally {
            scheduler.shutdownNow();
            completions.shutdownNow();
        }
    }
}

package io.ontapjobs.operation;

import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.tracker.JobTracker;
import java.util.concurrent.ExecutorService;

/**
 * One cluster at run time: its client, its tracker and the pool that runs its REST calls. The pool has
 * {@code max-concurrent-requests} threads, so triggers, polls and cancels together never exceed that limit.
 * {@code simulator}: the application says the cluster is an ONTAP simulator ({@link io.ontapjobs.outcome.SimulatedClusters}),
 * so each outcome's source says so.
 */
public record Cluster(ClusterConfig config, OntapClient client, JobTracker tracker, ExecutorService calls, boolean simulator) {

    public Cluster(ClusterConfig config, OntapClient client, JobTracker tracker, ExecutorService calls) {
        this(config, client, tracker, calls, false);
    }

    public String name() {
        return config.name();
    }
}

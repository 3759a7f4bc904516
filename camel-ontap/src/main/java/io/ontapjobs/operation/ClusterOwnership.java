package io.ontapjobs.operation;

import io.ontapjobs.outcome.Outcome;
import java.util.concurrent.CompletableFuture;

/**
 * Which ONTAP clusters this process runs operations on, when several processes share one {@link OperationRepository}.
 * Any process records requests; only the owner of a request's cluster triggers, tracks and ends it. The component uses
 * the single {@code ClusterOwnership} bean of the registry, else {@link #EVERYTHING} (one process: it owns all, and
 * takes up unfinished work when it starts). With another one, the component does not take up anything by itself:
 * whoever grants ownership calls {@link OperationRunner#takeUp} and {@link OperationRunner#release}.
 */
public interface ClusterOwnership {
    /** One process owns every cluster. */
    ClusterOwnership EVERYTHING = cluster -> true;

    /** Whether this process may trigger, track and end operations of {@code cluster} now. */
    boolean owns(String cluster);

    /**
     * Whether this process may read {@code cluster}'s jobs now, asked before each round of polls: false when it
     * cannot be sure it still owns the cluster (its ownership not confirmed lately), so that two processes never poll
     * one cluster. Its jobs wait meanwhile; none ends. Default: always.
     */
    default boolean mayPoll(String cluster) {
        return true;
    }

    /**
     * The outcome of an operation recorded but run by another process, once it is in the repository; completes
     * exceptionally if it cannot be awaited here. Must not hold a thread per waiting operation.
     */
    default CompletableFuture<Outcome> outcome(String operationId) {
        return CompletableFuture.failedFuture(new IllegalStateException("operation '" + operationId
                + "' is run by another process, and this one has no way to await its outcome"));
    }
}

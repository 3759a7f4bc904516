package io.ontapjobs.ha;

import io.ontapjobs.operation.OperationRunner;
import io.ontapjobs.operation.OperationState;
import java.util.function.Supplier;

/** What ownership changes do to a cluster's operations here: the component's {@link OperationRunner}. */
interface Work {
    /** Takes up the cluster's unfinished operations (just owned). */
    int takeUp(String cluster);

    /** Starts the operations other replicas accepted for an owned cluster since the last call. */
    int pickUp(String cluster);

    /** Drops the cluster's in-memory work, ending nothing (no longer owned). */
    int release(String cluster);

    /** How many of the cluster's operations are being triggered here (accepted or triggering). */
    long sending(String cluster);

    /** The runner's, asked for when needed: it exists once the component has started. */
    static Work of(Supplier<OperationRunner> runner) {
        return new Work() {
            @Override
            public int takeUp(String cluster) {
                return runner.get().takeUp(cluster);
            }

            @Override
            public int pickUp(String cluster) {
                return runner.get().pickUp(cluster);
            }

            @Override
            public int release(String cluster) {
                return runner.get().release(cluster);
            }

            @Override
            public long sending(String cluster) {
                return runner.get().count(cluster, OperationState.ACCEPTED) + runner.get().count(cluster, OperationState.TRIGGERING);
            }
        };
    }
}

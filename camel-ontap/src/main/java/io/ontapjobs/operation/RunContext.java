package io.ontapjobs.operation;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeListener;
import io.ontapjobs.time.OntapClock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What every {@link OperationRun} of a runner shares.
 *
 * @param ownership which clusters the runner owns now
 * @param dropped   told when a run is dropped without an end ({@link OperationRun#abandon}), to forget it
 */
record RunContext(OperationRepository repository, OntapClock clock, RandomGenerator random, OntapMetrics metrics,
                  List<OutcomeListener> listeners, Supplier<ClusterOwnership> ownership, Consumer<OperationRun> dropped) {
    private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);

    /** An outcome recorded: logged, counted, and told to every listener (one failing does not stop the others). */
    void published(Outcome outcome) {
        String id = outcome.operationId();
        LOG.info("Operation {} {}{}", id, outcome.status().word(), outcome.reason() != null ? ": " + outcome.reason() : "");
        metrics.outcome(outcome.cluster(), outcome.status().word(), outcome.attempts());
        for (OutcomeListener listener : listeners) {
            try {
                listener.ended(outcome);
            } catch (RuntimeException e) {
                LOG.error("Outcome listener {} failed on {}: {}", listener, id, e.toString());
            }
        }
    }

    /** Runs {@code r} with the operation (and the job, if not null) in the log's MDC, as the caller's MDC was after. */
    static void withMdc(String operation, String job, Runnable r) {
        String outer = MDC.get("operation");
        MDC.put("operation", operation);
        if (job != null) {
            MDC.put("job", job);
        }
        try {
            r.run();
        } finally {
            if (job != null) {
                MDC.remove("job");
            }
            if (outer == null) {
                MDC.remove("operation");
            } else {
                MDC.put("operation", outer);
            }
        }
    }
}

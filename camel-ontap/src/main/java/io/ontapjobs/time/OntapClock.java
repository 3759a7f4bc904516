package io.ontapjobs.time;

import java.time.Duration;
import java.time.Instant;

/**
 * Every timestamp, deadline, backoff and wait of the runner and the trackers comes from here, so that tests run them
 * on virtual time ({@link VirtualClock}) and the service on the system's ({@link SystemClock}). The component uses the
 * registry's single {@code OntapClock} bean, else the system clock.
 */
public interface OntapClock {

    /** The wall-clock time: for what is shown or stored (accepted at, ended at, detection latency). */
    Instant now();

    /** A monotonic time in nanoseconds, for deadlines and intervals: only differences between two values mean anything. */
    long nanoTime();

    /** Runs {@code task} once, {@code delay} from now (at once for zero or less), on the clock's timer thread. */
    Cancellable schedule(Runnable task, Duration delay);

    /** A scheduled task that has not run yet can be called off. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}

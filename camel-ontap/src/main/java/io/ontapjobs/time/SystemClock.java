package io.ontapjobs.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The system's clocks, with tasks on a {@link ScheduledExecutorService} that the caller owns and shuts down. */
public final class SystemClock implements OntapClock {
    private final ScheduledExecutorService timer;

    public SystemClock(ScheduledExecutorService timer) {
        if (timer instanceof ScheduledThreadPoolExecutor pool) {
            // a deadline is called off when its job ends: do not keep thousands of them queued until they fall due
            pool.setRemoveOnCancelPolicy(true);
        }
        this.timer = timer;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        var future = timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }
}

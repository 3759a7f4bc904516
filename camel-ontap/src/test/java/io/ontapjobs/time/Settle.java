package io.ontapjobs.time;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Real pools for tests on virtual time, with one count of the tasks given to any of them: {@link #run} waits until all
 * have run, those they handed on included, so that a {@link VirtualClock} moves on only once the work has settled.
 */
public final class Settle implements Runnable {
    private int pending; // guarded by this

    /** A fixed pool whose tasks this settle step waits for. */
    public ThreadPoolExecutor pool(int threads) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>()) {
            @Override
            public void execute(Runnable task) {
                begin();
                try {
                    super.execute(task);
                } catch (RejectedExecutionException e) {
                    end();
                    throw e;
                }
            }

            @Override
            protected void afterExecute(Runnable task, Throwable failure) {
                end();
            }
        };
    }

    private synchronized void begin() {
        pending++;
    }

    private synchronized void end() {
        if (--pending == 0) {
            notifyAll();
        }
    }

    /** Waits until no task is queued or running in any of the pools (at most 30 real seconds, then fails). */
    @Override
    public synchronized void run() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pending > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(pending + " task(s) still running after 30 s");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the pools", e);
            }
        }
    }
}

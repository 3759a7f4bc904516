package io.ontapjobs.time;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A pool for tests on virtual time that runs nothing by itself: {@link #drain} runs what was given to it, and what
 * those tasks give it, on the calling thread, in order. As a {@link VirtualClock}'s settle step it makes a test one
 * thread and one order: every REST call a task starts has answered before time moves on.
 */
public final class QueuedExecutor extends AbstractExecutorService {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private volatile boolean shutdown;

    @Override
    public synchronized void execute(Runnable task) {
        queue.add(task);
    }

    /** Runs queued tasks until none is left. */
    public void drain() {
        for (Runnable task = take(); task != null; task = take()) {
            task.run();
        }
    }

    /** The oldest queued task, taken off the queue (to run it elsewhere), or null. */
    public synchronized Runnable take() {
        return queue.poll();
    }

    public synchronized int queued() {
        return queue.size();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        synchronized (this) {
            List<Runnable> left = List.copyOf(queue);
            queue.clear();
            return left;
        }
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}

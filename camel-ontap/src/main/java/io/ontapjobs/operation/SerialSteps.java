package io.ontapjobs.operation;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs one operation's steps one at a time, in the order given, without a thread of its own: a step given while none
 * runs runs at once on the giving thread (a tracker's, a pool's, the clock's, a caller's); one given meanwhile is
 * queued and run by the thread running the current step, right after it. So a step never overlaps another of the
 * same operation, each sees what the one before wrote (the lock's hand-off orders them), and nothing blocks: a step
 * that needs a REST call gives it to the cluster's pool and gets its answer as a new step.
 */
final class SerialSteps implements Executor {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    @Override
    public void execute(Runnable step) {
        synchronized (this) {
            queue.add(step);
            if (running) {
                return;
            }
            running = true;
        }
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run(); // a step guards itself: what it throws ends its operation
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    running = false; // the next step given drains what is left
                }
                throw e;
            }
        }
    }
}

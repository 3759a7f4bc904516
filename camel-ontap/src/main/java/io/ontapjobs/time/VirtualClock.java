package io.ontapjobs.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * Time that moves only when {@link #advance} is called, for tests: scheduled tasks run on the calling thread, in the
 * order they fall due, each with the clock standing at its due time. Work that a task hands to other threads (REST
 * calls on a pool) can be waited for between tasks with {@link #settleWith}, so that a test of ten virtual seconds
 * runs in a few real milliseconds and asserts exact times. Tasks may be scheduled from any thread.
 */
public final class VirtualClock implements OntapClock {
    private final Instant origin;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long nanos;
    private long sequence;
    private volatile Runnable settle = () -> { };

    /** Starts at {@code origin}, with {@link #nanoTime()} at zero. */
    public VirtualClock(Instant origin) {
        this.origin = origin;
    }

    @Override
    public synchronized Instant now() {
        return origin.plusNanos(nanos);
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    /** The time elapsed since the origin. */
    public synchronized Duration elapsed() {
        return Duration.ofNanos(nanos);
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        Task t = new Task(nanos + Math.max(0, delay.toNanos()), sequence++, task);
        tasks.add(t);
        return () -> {
            synchronized (this) {
                tasks.remove(t);
            }
        };
    }

    /**
     * Called before {@link #advance} moves time and after every task it runs: e.g. waits until the pools are idle, so
     * that what a task started has finished (and scheduled what it schedules) before time moves on.
     */
    public void settleWith(Runnable settle) {
        this.settle = settle;
    }

    /** Moves time forward by {@code by}, running every task due until then (and those they schedule) in order. */
    public void advance(Duration by) {
        long target;
        synchronized (this) {
            target = nanos + by.toNanos();
        }
        settle.run();
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.due);
            }
            next.task.run();
            settle.run();
        }
    }

    /** Moves time forward to {@code origin + elapsed} (nothing happens if that has passed). */
    public void advanceTo(Duration elapsed) {
        advance(elapsed.minus(elapsed()).isNegative() ? Duration.ZERO : elapsed.minus(elapsed()));
    }

    /** Tasks scheduled and not yet run. */
    public synchronized int pending() {
        return tasks.size();
    }

    /** A {@link Clock} view, e.g. for the simulator, so that its jobs last virtual time too. */
    public Clock asClock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException("a virtual clock is in UTC");
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
    }

    private record Task(long due, long sequence, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            return due != other.due ? Long.compare(due, other.due) : Long.compare(sequence, other.sequence);
        }
    }
}

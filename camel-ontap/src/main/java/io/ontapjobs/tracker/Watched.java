package io.ontapjobs.tracker;

import io.ontapjobs.ontap.Job;
import io.ontapjobs.policy.PollSettings;
import io.ontapjobs.time.OntapClock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One job being watched. Its fields are changed only by whoever holds it ({@link #claim}): a poll, the watermark
 * query that saw it end, its deadline, or a tick; others only read them, or hand the holder news ({@link Holder}).
 */
final class Watched {
    final String uuid;
    final PollSettings poll;
    final JobListener listener;
    final CompletableFuture<TrackResult> result = new CompletableFuture<>();
    /** Who holds the record: nobody, someone, or someone with news waiting for when it lets go. */
    final AtomicReference<Holder> holder = new AtomicReference<>(Holder.FREE);
    volatile OntapClock.Cancellable deadline = () -> { };
    volatile long nextPollNanos;
    volatile boolean confirm;
    /** A read of it failed: its next one waits for the error backoff. */
    volatile boolean readFailed;
    /** Its own polls are spaced out because the watermark query will report its end. */
    volatile boolean covered;
    volatile int polls;
    volatile Job last;

    Watched(String uuid, PollSettings poll, JobListener listener) {
        this.uuid = uuid;
        this.poll = poll;
        this.listener = listener;
    }

    boolean claim() {
        return holder.compareAndSet(Holder.FREE, Holder.BUSY);
    }

    boolean held() {
        return holder.get() != Holder.FREE;
    }

    /** The end the watermark query handed over while this record was held, if any. */
    Job endHandedOver() {
        return holder.get() instanceof Holder.BusyEnded ended ? ended.end() : null;
    }
}

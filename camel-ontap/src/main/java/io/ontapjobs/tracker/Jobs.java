package io.ontapjobs.tracker;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.time.OntapClock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-job bookkeeping of one cluster's tracker: the records being watched, and the hand-over between whoever
 * holds a record ({@link Holder}) and whoever brings news of it (the watermark query that saw it end, its deadline).
 * A record is ended ({@link #finish}) only by its holder, once: no end is lost and none is reported twice.
 */
final class Jobs {
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);

    private final String cluster;
    private final OntapClock clock;
    private final Executor completions;
    private final OntapMetrics metrics;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();

    Jobs(String cluster, OntapClock clock, Executor completions, OntapMetrics metrics) {
        this.cluster = cluster;
        this.clock = clock;
        this.completions = completions;
        this.metrics = metrics;
    }

    int size() {
        return watched.size();
    }

    Watched get(String uuid) {
        return watched.get(uuid);
    }

    Collection<Watched> all() {
        return watched.values();
    }

    /** @return the record watched already for that job, or {@code null} when {@code w} was added */
    Watched add(Watched w) {
        return watched.putIfAbsent(w.uuid, w);
    }

    /** Stops watching a job without ending it: its future never completes. */
    void forget(String uuid) {
        Watched w = watched.remove(uuid);
        if (w != null) {
            w.deadline.cancel();
        }
    }

    /** The watermark query saw the job end: ends it now, or hands the end to the call that holds it. */
    void endSeen(Watched w, Job job) {
        while (true) {
            Holder h = w.holder.get();
            if (h instanceof Holder.Free) {
                if (w.holder.compareAndSet(h, Holder.BUSY)) {
                    seen(w, job);
                    finish(w, new TrackResult(TrackResult.End.FINISHED, job, w.polls, null));
                    return;
                }
            } else if (h instanceof Holder.Busy || h instanceof Holder.BusyDeadlinePassed) {
                // an end that came in time beats the deadline
                if (w.holder.compareAndSet(h, new Holder.BusyEnded(job))) {
                    return;
                }
            } else {
                return; // an end was handed over already
            }
        }
    }

    /** The job's deadline passed: ends it now, or tells the call that holds it. */
    void expire(Watched w) {
        while (true) {
            Holder h = w.holder.get();
            if (h instanceof Holder.Free) {
                if (w.holder.compareAndSet(h, Holder.BUSY)) {
                    finish(w, new TrackResult(TrackResult.End.TIMED_OUT, w.last, w.polls, "deadline passed"));
                    return;
                }
            } else if (h instanceof Holder.Busy) {
                if (w.holder.compareAndSet(h, Holder.DEADLINE_PASSED)) {
                    return;
                }
            } else {
                return; // its end or its deadline is with the holder already
            }
        }
    }

    /** Lets go of the record; news handed over meanwhile (its end, its deadline) is acted on instead. */
    void release(Watched w) {
        while (true) {
            Holder h = w.holder.get();
            if (h instanceof Holder.Busy) {
                if (w.holder.compareAndSet(h, Holder.FREE)) {
                    return;
                }
            } else if (h instanceof Holder.BusyEnded ended) {
                seen(w, ended.end());
                finish(w, new TrackResult(TrackResult.End.FINISHED, ended.end(), w.polls, null));
                return;
            } else if (h instanceof Holder.BusyDeadlinePassed) {
                finish(w, new TrackResult(TrackResult.End.TIMED_OUT, w.last, w.polls, "deadline passed"));
                return;
            } else {
                throw new IllegalStateException("job " + w.uuid + " released by a caller that did not hold it");
            }
        }
    }

    /** An answer about the job, told to its listener: what {@link TrackResult#polls()} counts. */
    static void seen(Watched w, Job job) {
        w.polls++;
        w.last = job;
        try {
            w.listener.polled(job);
        } catch (RuntimeException e) { // the record must still be let go of, or ended
            LOG.warn("Job listener failed for job {}: {}", w.uuid, e.toString());
        }
    }

    /** Only by the record's holder, which never lets go of it afterwards. */
    void finish(Watched w, TrackResult result) {
        if (watched.remove(w.uuid, w)) {
            w.deadline.cancel();
            OffsetDateTime end = result.end() == TrackResult.End.FINISHED && result.job() != null ? Watermark.time(result.job().endTime()) : null;
            if (end != null) {
                metrics.detected(cluster, Duration.between(end.toInstant(), clock.now()));
            }
            completions.execute(() -> w.result.complete(result));
        }
    }
}

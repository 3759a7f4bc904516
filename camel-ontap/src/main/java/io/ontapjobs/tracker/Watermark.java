package io.ontapjobs.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.time.OntapClock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The cluster's sweep for ends: {@code GET /api/cluster/jobs?end_time=>W}, where {@code W} comes from the cluster's
 * own {@code start_time} and {@code end_time} values (never the local clock) less an overlap for their one-second
 * precision, paged through {@code _links.next}. Ends ours, ignores the jobs of others, and moves {@code W} on.
 */
final class Watermark {
    private static final DateTimeFormatter ONTAP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private final JobsEndpoint endpoint;
    private final Jobs jobs;
    private final OntapClock clock;
    private final Semaphore permits;
    private final Executor calls;
    /** Records per page of the query; ONTAP answers with _links.next beyond it. */
    private final int pageSize;
    private volatile OffsetDateTime watermark;
    private volatile long okNanos;
    private final AtomicBoolean inFlight = new AtomicBoolean();

    Watermark(JobsEndpoint endpoint, Jobs jobs, OntapClock clock, Semaphore permits, Executor calls, int pageSize) {
        this.endpoint = endpoint;
        this.jobs = jobs;
        this.clock = clock;
        this.permits = permits;
        this.calls = calls;
        this.pageSize = pageSize;
    }

    /** Whether a job's {@code start_time} gave the query its first {@code W} yet. */
    boolean known() {
        return watermark != null;
    }

    /** A job of ours was seen running: before the first query, its start gives {@code W}. */
    void started(Job job, long now) {
        if (watermark == null && job.startTime() != null) {
            OffsetDateTime start = time(job.startTime());
            if (start != null) {
                watermark = start.minus(JobTracker.WATERMARK_OVERLAP); // the cluster's clock: no job of ours ended before it
                okNanos = now; // its first query gets its chance before the jobs it covers fall back to polls
            }
        }
    }

    /** The query has answered lately, so a running job's end will be found without asking for it. */
    boolean endsCovered(long now) {
        return watermark != null && jobs.size() >= JobTracker.WATERMARK_MIN_JOBS
                && now - okNanos < 5 * JobTracker.WATERMARK_INTERVAL.toNanos();
    }

    /** Sends the query on the cluster's pool, unless one is out already or no request slot is free. */
    void send() {
        if (!inFlight.compareAndSet(false, true)) {
            return;
        }
        if (!permits.tryAcquire()) {
            inFlight.set(false);
            return;
        }
        calls.execute(() -> {
            try {
                pollEnded();
            } finally {
                permits.release();
                inFlight.set(false);
            }
        });
    }

    /** Reads the jobs that ended since the watermark; ends ours, ignores the rest, moves the watermark on. */
    private void pollEnded() {
        OffsetDateTime from = watermark;
        Map<String, String> query = new LinkedHashMap<>();
        query.put("end_time", ">" + ONTAP_TIME.format(from));
        query.put("fields", Job.FIELDS);
        query.put("max_records", String.valueOf(pageSize));
        OffsetDateTime[] latest = {null};
        try {
            OntapResponse last = endpoint.pages(JobTracker.JOBS, query, page -> {
                if (!usable(page)) {
                    return false;
                }
                for (JsonNode record : page.body().path("records")) {
                    Job job = Job.from(record);
                    OffsetDateTime end = time(job.endTime());
                    if (end != null && (latest[0] == null || end.isAfter(latest[0]))) {
                        latest[0] = end;
                    }
                    Watched w = job.uuid() == null ? null : jobs.get(job.uuid());
                    if (w != null && job.isFinished()) {
                        jobs.endSeen(w, job);
                    }
                }
                return true;
            });
            if (!usable(last)) {
                endpoint.failed(List.of(), last, null);
                return;
            }
        } catch (ClusterCallException e) {
            endpoint.failed(List.of(), null, e);
            return;
        }
        okNanos = clock.nanoTime();
        if (latest[0] != null && latest[0].minus(JobTracker.WATERMARK_OVERLAP).isAfter(from)) {
            watermark = latest[0].minus(JobTracker.WATERMARK_OVERLAP);
        }
    }

    static boolean usable(OntapResponse response) {
        return response.isSuccess() && response.body() != null;
    }

    static OffsetDateTime time(String text) {
        try {
            return text == null ? null : OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            return null; // a tolerant reader: an odd time only costs the watermark one update
        }
    }
}

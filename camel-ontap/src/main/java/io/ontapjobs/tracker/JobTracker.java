package io.ontapjobs.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.policy.Backoff;
import io.ontapjobs.policy.PollSettings;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the jobs of one cluster until they end, without a thread per job.
 *
 * <p>A job is a small record with its own next poll time (exponential backoff with jitter from its start). A tick
 * collects the jobs that are due and reads them with as few requests as it can: one {@code GET /api/cluster/jobs/{uuid}}
 * for a single job, {@code GET /api/cluster/jobs?uuid=a|b|...} for several, split so that no URL passes
 * {@link #MAX_URL_BYTES}. At most {@code maxConcurrentRequests} calls are in flight; {@code 429}/{@code 503} slow the
 * whole cluster down for {@code Retry-After}. Transport errors, 5xx and unreadable bodies never end a job: it is
 * polled again later, until its deadline. A job the collection no longer lists is confirmed with a single GET, and a
 * {@code 404} there means ONTAP deleted it.
 *
 * * <p>With several jobs in flight, ends are found by one query every 500 ms for the jobs that ended since a watermark,
 * {@code GET /api/cluster/jobs?end_time=>W}, where {@code W} comes from the cluster's own {@code start_time} and
 * {@code end_time} values (never the local clock) less an overlap for their one-second precision. Jobs the cluster
 * reports that are not ours are ignored. A job seen running is then polled on its own only rarely (a safety net),
 * so the cost of a tick follows the number of jobs that ended, not the number in flight.
 */
public class JobTracker implements AutoCloseable {
    static final int MAX_URL_BYTES = 8 * 1024;
    static final String JOBS = "/api/cluster/jobs";
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);
    private static final Duration TICK = Duration.ofMillis(50);
    /** Polls in a row that failed: 200 ms after the first, doubling up to 30 s, no jitter. */
    private static final Backoff ERROR_BACKOFF = new Backoff(Duration.ofMillis(200), 2, Duration.ofSeconds(30), 0);
    static final Duration WATERMARK_INTERVAL = Duration.ofMillis(500);
    /** end_time has one-second precision, and jobs are not always recorded in end order. */
    static final Duration WATERMARK_OVERLAP = Duration.ofSeconds(2);
    /** Below this many jobs, per-job polls cost no more than the watermark query. */
    static final int WATERMARK_MIN_JOBS = 3;
    /** A running job whose end the watermark query will report is still read on its own this often. */
    static final Duration COVERED_POLL_INTERVAL = Duration.ofSeconds(30);
    /** Records per page of the watermark query; ONTAP answers with _links.next beyond it. */
    int pageSize = 1000;
    private static final DateTimeFormatter ONTAP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private final OntapClient client;
    private final OntapMetrics metrics;
    private final Executor calls;
    private final ExecutorService completions;
    private final Semaphore permits;
    private final RandomGenerator random;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> ticker;
    private final AtomicLong requests = new AtomicLong();
    private volatile long quietUntilNanos;
    private volatile OffsetDateTime watermark;
    private volatile long nextWatermarkNanos;
    private volatile long watermarkOkNanos;
    private final AtomicBoolean watermarkInFlight = new AtomicBoolean();
    private volatile int consecutiveErrors;

    /**
     * @param scheduler   shared timer for every cluster's ticks; ticks never block
     * @param calls       runs the polls: {@link io.ontapjobs.ontap.ClusterCalls#executeFirst}, ahead of queued triggers
     * @param completions runs the callers' continuations, so that route work never delays a poll
     */
    public JobTracker(OntapClient client, ScheduledExecutorService scheduler, Executor calls,
                      ExecutorService completions, RandomGenerator random) {
        this(client, scheduler, calls, completions, random, OntapMetrics.NONE);
    }

    public JobTracker(OntapClient client, ScheduledExecutorService scheduler, Executor calls,
                      ExecutorService completions, RandomGenerator random, OntapMetrics metrics) {
        this.metrics = metrics;
        this.client = client;
        this.calls = calls;
        this.completions = completions;
        this.permits = new Semaphore(client.cluster().maxConcurrentRequests());
        this.random = random;
        this.ticker = scheduler.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Watches a job until it ends, vanishes or its deadline passes.
     *
     * @param deadlineNanos in {@link System#nanoTime()} terms
     */
    public CompletableFuture<TrackResult> track(String uuid, PollSettings poll, long deadlineNanos, JobListener listener) {
        Watched w = new Watched(uuid, poll, deadlineNanos, listener == null ? JobListener.NONE : listener);
        w.nextPollNanos = System.nanoTime() + poll.delayBefore(1, random).toNanos();
        Watched previous = watched.putIfAbsent(uuid, w);
        return previous != null ? previous.result : w.result;
    }

    /** Jobs being watched now. */
    public int watching() {
        return watched.size();
    }

    /** Calls sent to the jobs endpoint since start. */
    public long requests() {
        return requests.get();
    }

    /**
     * Stops watching a job, without ending it: its future never completes. For a job another process watches now
     * (this one lost its cluster), so that only one process polls a cluster.
     */
    public void forget(String uuid) {
        watched.remove(uuid);
    }

    /** Makes a job due now, e.g. after it was resumed. */
    public void pollSoon(String uuid) {
        Watched w = watched.get(uuid);
        if (w != null) {
            w.nextPollNanos = System.nanoTime();
        }
    }

    @Override
    public void close() {
        ticker.cancel(false);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            boolean covered = endsCovered();
            List<Watched> due = new ArrayList<>();
            for (Watched w : watched.values()) {
                if (w.inRequest.get()) {
                    continue;
                }
                if (w.covered && !covered) { // the watermark stopped (few jobs left, or it fails): back to own polls
                    w.covered = false;
                    w.nextPollNanos = now;
                }
                if (now - w.deadlineNanos >= 0) {
                    finish(w, new TrackResult(TrackResult.End.TIMED_OUT, w.last, w.polls, "deadline passed"));
                } else if (now - w.nextPollNanos >= 0 && now - quietUntilNanos >= 0) {
                    due.add(w);
                }
            }
            if (watermark != null && watched.size() >= WATERMARK_MIN_JOBS && now - nextWatermarkNanos >= 0
                    && now - quietUntilNanos >= 0 && watermarkInFlight.compareAndSet(false, true)) {
                if (permits.tryAcquire()) {
                    nextWatermarkNanos = now + WATERMARK_INTERVAL.toNanos();
                    calls.execute(() -> {
                        try {
                            pollEnded();
                        } finally {
                            permits.release();
                            watermarkInFlight.set(false);
                        }
                    });
                } else {
                    watermarkInFlight.set(false);
                }
            }
            dispatch(due);
        } catch (RuntimeException e) {
            LOG.error("Job tracker tick failed for cluster {}", client.cluster().name(), e);
        }
    }

    private void dispatch(List<Watched> due) {
        List<Watched> single = new ArrayList<>();
        List<Watched> batchable = new ArrayList<>();
        for (Watched w : due) {
            (w.confirm ? single : batchable).add(w);
        }
        List<List<Watched>> work = new ArrayList<>(batches(batchable));
        single.forEach(w -> work.add(List.of(w)));
        for (List<Watched> batch : work) {
            if (!permits.tryAcquire()) {
                return; // the rest stay due and go out on a later tick
            }
            // claimed: from here only this call changes these records (the watermark query leaves them to it)
            List<Watched> jobs = batch.stream().filter(w -> w.inRequest.compareAndSet(false, true)).toList();
            if (jobs.isEmpty()) {
                permits.release();
                continue;
            }
            calls.execute(() -> {
                try {
                    if (jobs.size() == 1) {
                        pollOne(jobs.get(0));
                    } else {
                        pollBatch(jobs);
                    }
                } finally {
                    permits.release();
                }
            });
        }
    }

    /** Splits UUIDs into groups whose query string stays under the URL limit. */
    List<List<Watched>> batches(List<Watched> jobs) {
        List<List<Watched>> result = new ArrayList<>();
        int fixed = (JOBS + "?fields=" + Job.FIELDS + "&uuid=").length() + 64;
        List<Watched> current = new ArrayList<>();
        int length = fixed;
        for (Watched w : jobs) {
            int add = w.uuid.length() + 3; // "|" percent-encoded
            if (!current.isEmpty() && length + add > MAX_URL_BYTES) {
                result.add(current);
                current = new ArrayList<>();
                length = fixed;
            }
            current.add(w);
            length += add;
        }
        if (!current.isEmpty()) {
            result.add(current);
        }
        return result;
    }

    private void pollBatch(List<Watched> batch) {
        Map<String, Watched> byUuid = new LinkedHashMap<>();
        batch.forEach(w -> byUuid.put(w.uuid, w));
        Map<String, String> query = new LinkedHashMap<>();
        query.put("uuid", String.join("|", byUuid.keySet()));
        query.put("fields", Job.FIELDS);
        query.put("max_records", String.valueOf(batch.size()));
        Map<String, Job> seen = new HashMap<>();
        String path = JOBS;
        try {
            while (path != null) {
                OntapResponse response = call(path, query);
                if (!response.isSuccess() || response.body() == null) {
                    failed(batch, response, null);
                    return;
                }
                for (JsonNode record : response.body().path("records")) {
                    Job job = Job.from(record);
                    seen.put(job.uuid(), job);
                }
                String next = response.body().path("_links").path("next").path("href").asText(null);
                path = next;
                query = null;
            }
        } catch (ClusterCallException e) {
            failed(batch, null, e);
            return;
        }
        consecutiveErrors = 0;
        for (Watched w : batch) {
            Job job = seen.get(w.uuid);
            if (job == null) {
                w.confirm = true; // not listed: deleted, or not yet visible; one GET tells which
                w.nextPollNanos = System.nanoTime();
                release(w);
            } else {
                observed(w, job);
            }
        }
    }

    /** Reads the jobs that ended since the watermark; ends ours, ignores the rest, moves the watermark on. */
    private void pollEnded() {
        OffsetDateTime from = watermark;
        Map<String, String> query = new LinkedHashMap<>();
        query.put("end_time", ">" + ONTAP_TIME.format(from));
        query.put("fields", Job.FIELDS);
        query.put("max_records", String.valueOf(pageSize));
        OffsetDateTime latest = null;
        String path = JOBS;
        try {
            while (path != null) {
                OntapResponse response = call(path, query);
                if (!response.isSuccess() || response.body() == null) {
                    failed(List.of(), response, null);
                    return;
                }
                for (JsonNode record : response.body().path("records")) {
                    Job job = Job.from(record);
                    OffsetDateTime end = time(job.endTime());
                    if (end != null && (latest == null || end.isAfter(latest))) {
                        latest = end;
                    }
                    Watched w = job.uuid() == null ? null : watched.get(job.uuid());
                    if (w != null && job.isFinished()) {
                        if (w.inRequest.compareAndSet(false, true)) {
                            w.polls++;
                            w.last = job;
                            finish(w, new TrackResult(TrackResult.End.FINISHED, job, w.polls, null));
                        } else {
                            w.endSeen = job; // its own poll is in flight: that call ends it, so one thread changes it
                        }
                    }
                }
                path = response.body().path("_links").path("next").path("href").asText(null);
                query = null;
            }
        } catch (ClusterCallException e) {
            failed(List.of(), null, e);
            return;
        }
        watermarkOkNanos = System.nanoTime();
        if (latest != null && latest.minus(WATERMARK_OVERLAP).isAfter(from)) {
            watermark = latest.minus(WATERMARK_OVERLAP);
        }
    }

    /** The watermark query has answered lately, so a running job's end will be found without asking for it. */
    private boolean endsCovered() {
        return watermark != null && watched.size() >= WATERMARK_MIN_JOBS
                && System.nanoTime() - watermarkOkNanos < 5 * WATERMARK_INTERVAL.toNanos();
    }

    private static OffsetDateTime time(String text) {
        try {
            return text == null ? null : OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            return null; // a tolerant reader: an odd time only costs the watermark one update
        }
    }

    private void pollOne(Watched w) {
        try {
            OntapResponse response = call(JOBS + "/" + w.uuid, Map.of("fields", Job.FIELDS));
            if (response.status() == 404 && response.error().map(e -> OntapError.ENTRY_DOES_NOT_EXIST.equals(e.code())).orElse(true)) {
                finish(w, new TrackResult(TrackResult.End.VANISHED, w.last, w.polls,
                        "job " + w.uuid + " no longer exists on the cluster (ONTAP deletes finished jobs after about 300 s)"));
                return;
            }
            if (!response.isSuccess() || response.body() == null) {
                failed(List.of(w), response, null);
                return;
            }
            consecutiveErrors = 0;
            w.confirm = false;
            observed(w, Job.from(response.body()));
        } catch (ClusterCallException e) {
            failed(List.of(w), null, e);
        }
    }

    private OntapResponse call(String pathOrHref, Map<String, String> query) throws ClusterCallException {
        requests.incrementAndGet();
        try {
            OntapResponse response = send(pathOrHref, query);
            metrics.jobsRequest(client.cluster().name(), String.valueOf(response.status()));
            return response;
        } catch (ClusterCallException e) {
            metrics.jobsRequest(client.cluster().name(), "error");
            throw e;
        }
    }

    /** A path with a query, or (query null) a {@code _links.next} href that carries its own. */
    private OntapResponse send(String pathOrHref, Map<String, String> query) throws ClusterCallException {
        return query == null ? client.getHref(pathOrHref) : client.get(pathOrHref, query);
    }

    private void observed(Watched w, Job job) {
        if (!job.isFinished() && w.endSeen != null) {
            job = w.endSeen; // the watermark query saw it end while this poll was in flight: never report it running again
        }
        w.polls++;
        Job before = w.last;
        w.last = job;
        w.listener.polled(job);
        if (job.isFinished()) {
            finish(w, new TrackResult(TrackResult.End.FINISHED, job, w.polls, null));
            return;
        }
        if (before == null || !Objects.equals(before.state(), job.state()) || !Objects.equals(before.message(), job.message())) {
            try {
                w.listener.changed(job);
            } catch (RuntimeException e) {
                LOG.warn("Job listener failed for job {}: {}", w.uuid, e.toString());
            }
        }
        if (watermark == null && job.startTime() != null) {
            OffsetDateTime start = time(job.startTime());
            if (start != null) {
                watermark = start.minus(WATERMARK_OVERLAP); // the cluster's clock: no job of ours ended before it
            }
        }
        Duration delay = w.poll.delayBefore(w.polls + 1, random);
        w.covered = endsCovered() && delay.compareTo(COVERED_POLL_INTERVAL) < 0;
        if (w.covered) {
            delay = COVERED_POLL_INTERVAL;
        }
        w.nextPollNanos = System.nanoTime() + delay.toNanos();
        release(w);
    }

    /** Gives the record back to the ticks; an end the watermark query saw meanwhile is delivered now. */
    private void release(Watched w) {
        w.inRequest.set(false);
        Job ended = w.endSeen;
        if (ended != null && w.inRequest.compareAndSet(false, true)) {
            w.polls++;
            w.last = ended;
            finish(w, new TrackResult(TrackResult.End.FINISHED, ended, w.polls, null));
        }
    }

    /** No usable answer: keep the jobs, poll them later; slow the whole cluster down when it asks us to. */
    private void failed(List<Watched> batch, OntapResponse response, ClusterCallException error) {
        int errors = ++consecutiveErrors;
        Duration wait = ERROR_BACKOFF.delay(errors);
        if (response != null && response.isBackPressure()) {
            Duration retryAfter = response.retryAfter() != null ? response.retryAfter() : wait;
            quietUntilNanos = System.nanoTime() + retryAfter.toNanos();
            wait = retryAfter;
            LOG.warn("Cluster {} answered {}: pausing job polls for {} ms", client.cluster().name(), response.status(), retryAfter.toMillis());
        } else {
            LOG.warn("Polling jobs on cluster {} failed ({}); retrying in {} ms", client.cluster().name(),
                    error != null ? error.getMessage() : "HTTP " + response.status() + response.error().map(e -> " " + e).orElse(""),
                    wait.toMillis());
        }
        long next = System.nanoTime() + wait.toNanos();
        for (Watched w : batch) {
            w.nextPollNanos = next;
            release(w);
        }
    }

    private void finish(Watched w, TrackResult result) {
        if (watched.remove(w.uuid, w)) {
            OffsetDateTime end = result.end() == TrackResult.End.FINISHED && result.job() != null ? time(result.job().endTime()) : null;
            if (end != null) {
                metrics.detected(client.cluster().name(), Duration.between(end.toInstant(), java.time.Instant.now()));
            }
            completions.execute(() -> w.result.complete(result));
        }
    }

    /**
     * One job being watched. Its fields are changed only by whoever holds {@link #inRequest}: one poll, or the
     * watermark query that saw it end; a tick only reads them.
     */
    static final class Watched {
        final String uuid;
        final PollSettings poll;
        final long deadlineNanos;
        final JobListener listener;
        final CompletableFuture<TrackResult> result = new CompletableFuture<>();
        volatile long nextPollNanos;
        final java.util.concurrent.atomic.AtomicBoolean inRequest = new java.util.concurrent.atomic.AtomicBoolean();
        /** Its end as the watermark query saw it while a poll of its own was in flight. */
        volatile Job endSeen;
        volatile boolean confirm;
        /** Its own polls are spaced out because the watermark query will report its end. */
        volatile boolean covered;
        volatile int polls;
        volatile Job last;

        Watched(String uuid, PollSettings poll, long deadlineNanos, JobListener listener) {
            this.uuid = uuid;
            this.poll = poll;
            this.deadlineNanos = deadlineNanos;
            this.listener = listener;
        }
    }
}

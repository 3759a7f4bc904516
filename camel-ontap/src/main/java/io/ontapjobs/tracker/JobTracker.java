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
import io.ontapjobs.time.OntapClock;
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
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the jobs of one cluster until they end, without a thread per job.
 *
 * <p>A job is a small record with its own next poll time (exponential backoff with jitter from its start) and its
 * deadline, a task on the {@link OntapClock}. A tick collects the jobs that are due and reads them with as few
 * requests as it can: one {@code GET /api/cluster/jobs/{uuid}} for a single job, {@code GET /api/cluster/jobs?uuid=a|b|...}
 * for several, split so that no URL passes {@link #MAX_URL_BYTES}. At most {@code maxConcurrentRequests} calls are in
 * flight; {@code 429}/{@code 503} slow the whole cluster down for {@code Retry-After}. Transport errors, 5xx and
 * unreadable bodies never end a job: it is polled again later, until its deadline. A job the collection no longer
 * lists is confirmed with a single GET, and a {@code 404} there means ONTAP deleted it.
 *
 * <p>With several jobs in flight the cluster is swept every 500 ms: one query for the jobs that ended since a
 * watermark, {@code GET /api/cluster/jobs?end_time=>W}, where {@code W} comes from the cluster's own {@code start_time}
 * and {@code end_time} values (never the local clock) less an overlap for their one-second precision, and one
 * {@code uuid=a|b|...} query that reads every job tracked since the last sweep for the first time. Jobs the cluster
 * reports that are not ours are ignored. A job seen running is then polled on its own only rarely (a safety net),
 * so the cost of a sweep follows the number of jobs that arrived and ended, not the number in flight.
 *
 * <p>A job's record is changed only by whoever holds it ({@link Watched#holder}): a poll, the watermark query that saw
 * it end, its deadline, or a tick. Whoever finds it held hands its news (an end, the deadline) to the holder, which
 * acts on it when it lets go, so that no end is lost and none is reported twice.
 */
public class JobTracker implements AutoCloseable {
    static final int MAX_URL_BYTES = 8 * 1024;
    static final String JOBS = "/api/cluster/jobs";
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);
    static final Duration TICK = Duration.ofMillis(50);
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
    private final OntapClock clock;
    private final Executor calls;
    private final Executor completions;
    private final Semaphore permits;
    private final RandomGenerator random;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    /** Jobs asked to be read soon ({@link #pollSoon}): the tick applies it to their records. */
    private final Queue<String> soon = new ConcurrentLinkedQueue<>();
    private final AtomicLong requests = new AtomicLong();
    private volatile long quietUntilNanos;
    private volatile OffsetDateTime watermark;
    private volatile long watermarkOkNanos;
    private final AtomicBoolean watermarkInFlight = new AtomicBoolean();
    private volatile int consecutiveErrors;
    private volatile boolean closed;
    private volatile OntapClock.Cancellable nextTick;
    private volatile java.util.function.BooleanSupplier mayPoll = () -> true;
    /** The tick's own: when the next sweep is due, and whether jobs not read yet go out in this tick. */
    private long nextSweepNanos;
    private boolean firstReadsDue;

    /**
     * @param clock       every cluster's ticks, deadlines and backoffs; its tasks never block
     * @param calls       runs the polls: {@link io.ontapjobs.ontap.ClusterCalls#executeFirst}, ahead of queued triggers
     * @param completions runs the callers' continuations, so that route work never delays a poll
     */
    public JobTracker(OntapClient client, OntapClock clock, Executor calls, Executor completions, RandomGenerator random,
                      OntapMetrics metrics) {
        this.metrics = metrics;
        this.client = client;
        this.clock = clock;
        this.calls = calls;
        this.completions = completions;
        this.permits = new Semaphore(client.cluster().maxConcurrentRequests());
        this.random = random;
        long now = clock.nanoTime();
        this.quietUntilNanos = now;
        this.nextSweepNanos = now;
        this.nextTick = clock.schedule(this::tick, TICK);
    }

    /**
     * Watches a job until it ends, vanishes or its deadline passes.
     *
     * @param deadlineNanos in {@link OntapClock#nanoTime()} terms
     */
    public CompletableFuture<TrackResult> track(String uuid, PollSettings poll, long deadlineNanos, JobListener listener) {
        Watched w = new Watched(uuid, poll, listener == null ? JobListener.NONE : listener);
        long now = clock.nanoTime();
        // with others in flight a new job is read first by the next sweep's batch, at no cost of its own; alone, when
        // its policy says
        w.nextPollNanos = watched.size() + 1 >= WATERMARK_MIN_JOBS ? now : now + poll.delayBefore(1, random).toNanos();
        Watched previous = watched.putIfAbsent(uuid, w);
        if (previous != null) {
            return previous.result;
        }
        // set once, after the record is in the map (a deadline already past must find it there)
        w.deadline = clock.schedule(() -> expire(w), Duration.ofNanos(deadlineNanos - now));
        if (watched.get(uuid) != w) {
            w.deadline.cancel(); // it ended meanwhile
        }
        return w.result;
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
        Watched w = watched.remove(uuid);
        if (w != null) {
            w.deadline.cancel();
        }
    }

    /** Makes a job due now, e.g. after it was paused or resumed. */
    public void pollSoon(String uuid) {
        soon.add(uuid);
    }

    /**
     * Reads the jobs endpoint only while {@code mayPoll} says so, asked every tick. With several processes on one
     * cluster, the one that cannot be sure it still owns the cluster holds its polls: its jobs wait, none ends.
     */
    public void pollOnlyWhile(java.util.function.BooleanSupplier mayPoll) {
        this.mayPoll = java.util.Objects.requireNonNull(mayPoll, "mayPoll");
    }

    @Override
    public void close() {
        closed = true;
        nextTick.cancel();
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            if (!mayPoll.getAsBoolean()) {
                return; // held: the next tick asks again
            }
            long now = clock.nanoTime();
            askedSoon(now);
            boolean batched = watched.size() >= WATERMARK_MIN_JOBS;
            boolean quiet = now - quietUntilNanos < 0;
            if (batched && !quiet && now - nextSweepNanos >= 0) {
                nextSweepNanos = now + WATERMARK_INTERVAL.toNanos();
                firstReadsDue = true;
                if (watermark != null) {
                    sendWatermarkQuery();
                }
            }
            boolean covered = endsCovered(now);
            List<Watched> dueNow = new ArrayList<>();
            for (Watched w : watched.values()) {
                if (w.held()) {
                    continue;
                }
                if (w.covered && !covered && w.claim()) { // the watermark stopped (few jobs left, or it fails): own polls
                    w.covered = false;
                    w.nextPollNanos = now;
                    release(w);
                }
                boolean due = now - w.nextPollNanos >= 0;
                if (batched && w.polls == 0 && !w.confirm) {
                    // a first read goes with the next sweep's batch, due or not (unless backing off after a failed read)
                    due = firstReadsDue && (due || !w.readFailed);
                }
                if (due && !quiet) {
                    dueNow.add(w);
                }
            }
            if (dispatch(dueNow)) {
                firstReadsDue = false;
            }
        } catch (RuntimeException e) {
            LOG.error("Job tracker tick failed for cluster {}", client.cluster().name(), e);
        } finally {
            if (!closed) {
                nextTick = clock.schedule(this::tick, TICK);
            }
        }
    }

    /** Makes the jobs asked for by {@link #pollSoon} due now; one held by a call is done when that call lets go. */
    private void askedSoon(long now) {
        List<String> held = new ArrayList<>();
        for (String uuid = soon.poll(); uuid != null; uuid = soon.poll()) {
            Watched w = watched.get(uuid);
            if (w == null) {
                continue;
            }
            if (w.claim()) {
                w.nextPollNanos = now;
                w.covered = false;
                release(w);
            } else {
                held.add(uuid);
            }
        }
        soon.addAll(held);
    }

    private void sendWatermarkQuery() {
        if (!watermarkInFlight.compareAndSet(false, true)) {
            return;
        }
        if (!permits.tryAcquire()) {
            watermarkInFlight.set(false);
            return;
        }
        calls.execute(() -> {
            try {
                pollEnded();
            } finally {
                permits.release();
                watermarkInFlight.set(false);
            }
        });
    }

    /** @return true when every due job went out (false: the rest wait for a free request slot on a later tick) */
    private boolean dispatch(List<Watched> due) {
        List<Watched> single = new ArrayList<>();
        List<Watched> batchable = new ArrayList<>();
        for (Watched w : due) {
            (w.confirm ? single : batchable).add(w);
        }
        List<List<Watched>> work = new ArrayList<>(batches(batchable));
        single.forEach(w -> work.add(List.of(w)));
        for (List<Watched> batch : work) {
            if (!permits.tryAcquire()) {
                return false; // the rest stay due and go out on a later tick
            }
            // claimed: from here only this call changes these records (others hand it their news)
            List<Watched> jobs = batch.stream().filter(Watched::claim).toList();
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
        return true;
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
                w.nextPollNanos = clock.nanoTime();
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
                        endSeen(w, job);
                    }
                }
                path = response.body().path("_links").path("next").path("href").asText(null);
                query = null;
            }
        } catch (ClusterCallException e) {
            failed(List.of(), null, e);
            return;
        }
        watermarkOkNanos = clock.nanoTime();
        if (latest != null && latest.minus(WATERMARK_OVERLAP).isAfter(from)) {
            watermark = latest.minus(WATERMARK_OVERLAP);
        }
    }

    /** The watermark query has answered lately, so a running job's end will be found without asking for it. */
    private boolean endsCovered(long now) {
        return watermark != null && watched.size() >= WATERMARK_MIN_JOBS
                && now - watermarkOkNanos < 5 * WATERMARK_INTERVAL.toNanos();
    }

    /** The watermark query saw the job end: ends it now, or hands the end to the call that holds it. */
    private void endSeen(Watched w, Job job) {
        while (true) {
            Object h = w.holder.get();
            if (h == null) {
                if (w.holder.compareAndSet(null, Watched.BUSY)) {
                    seen(w, job);
                    finish(w, new TrackResult(TrackResult.End.FINISHED, job, w.polls, null));
                    return;
                }
            } else if (h == Watched.BUSY || h == Watched.DEADLINE) { // an end that came in time beats the deadline
                if (w.holder.compareAndSet(h, job)) {
                    return;
                }
            } else {
                return; // an end was handed over already
            }
        }
    }

    /** The job's deadline passed: ends it now, or tells the call that holds it. */
    private void expire(Watched w) {
        while (true) {
            Object h = w.holder.get();
            if (h == null) {
                if (w.holder.compareAndSet(null, Watched.BUSY)) {
                    finish(w, new TrackResult(TrackResult.End.TIMED_OUT, w.last, w.polls, "deadline passed"));
                    return;
                }
            } else if (h == Watched.BUSY) {
                if (w.holder.compareAndSet(h, Watched.DEADLINE)) {
                    return;
                }
            } else {
                return; // its end or its deadline is with the holder already
            }
        }
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
                if (w.holder.get() instanceof Job end) { // the watermark query saw it end before it was deleted
                    release(w);
                    return;
                }
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
        if (!job.isFinished() && w.holder.get() instanceof Job end) {
            job = end; // the watermark query saw it end while this poll was in flight: never report it running again
        }
        Job before = w.last;
        seen(w, job);
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
        long now = clock.nanoTime();
        if (watermark == null && job.startTime() != null) {
            OffsetDateTime start = time(job.startTime());
            if (start != null) {
                watermark = start.minus(WATERMARK_OVERLAP); // the cluster's clock: no job of ours ended before it
                watermarkOkNanos = now; // its first query gets its chance before the jobs it covers fall back to polls
            }
        }
        Duration delay = w.poll.delayBefore(w.polls + 1, random);
        w.covered = endsCovered(now) && delay.compareTo(COVERED_POLL_INTERVAL) < 0;
        if (w.covered) {
            delay = COVERED_POLL_INTERVAL;
        }
        w.nextPollNanos = now + delay.toNanos();
        release(w);
    }

    /** An answer about the job, told to its listener: what {@link TrackResult#polls()} counts. */
    private static void seen(Watched w, Job job) {
        w.polls++;
        w.last = job;
        try {
            w.listener.polled(job);
        } catch (RuntimeException e) { // the record must still be let go of, or ended
            LOG.warn("Job listener failed for job {}: {}", w.uuid, e.toString());
        }
    }

    /** Lets go of the record; news handed over meanwhile (its end, its deadline) is acted on instead. */
    private void release(Watched w) {
        while (true) {
            Object h = w.holder.get();
            if (h == Watched.BUSY) {
                if (w.holder.compareAndSet(h, null)) {
                    return;
                }
            } else if (h instanceof Job ended) {
                seen(w, ended);
                finish(w, new TrackResult(TrackResult.End.FINISHED, ended, w.polls, null));
                return;
            } else if (h == Watched.DEADLINE) {
                finish(w, new TrackResult(TrackResult.End.TIMED_OUT, w.last, w.polls, "deadline passed"));
                return;
            } else {
                throw new IllegalStateException("job " + w.uuid + " released by a caller that did not hold it");
            }
        }
    }

    /** No usable answer: keep the jobs, poll them later; slow the whole cluster down when it asks us to. */
    private void failed(List<Watched> batch, OntapResponse response, ClusterCallException error) {
        int errors = ++consecutiveErrors;
        Duration wait = ERROR_BACKOFF.delay(errors);
        if (response != null && response.isBackPressure()) {
            Duration retryAfter = response.retryAfter() != null ? response.retryAfter() : wait;
            quietUntilNanos = clock.nanoTime() + retryAfter.toNanos();
            wait = retryAfter;
            LOG.warn("Cluster {} answered {}: pausing job polls for {} ms", client.cluster().name(), response.status(), retryAfter.toMillis());
        } else {
            LOG.warn("Polling jobs on cluster {} failed ({}); retrying in {} ms", client.cluster().name(),
                    error != null ? error.getMessage() : "HTTP " + response.status() + response.error().map(e -> " " + e).orElse(""),
                    wait.toMillis());
        }
        long next = clock.nanoTime() + wait.toNanos();
        for (Watched w : batch) {
            w.readFailed = true;
            w.nextPollNanos = next;
            release(w);
        }
    }

    /** Only by the record's holder, which never lets go of it afterwards. */
    private void finish(Watched w, TrackResult result) {
        if (watched.remove(w.uuid, w)) {
            w.deadline.cancel();
            OffsetDateTime end = result.end() == TrackResult.End.FINISHED && result.job() != null ? time(result.job().endTime()) : null;
            if (end != null) {
                metrics.detected(client.cluster().name(), Duration.between(end.toInstant(), clock.now()));
            }
            completions.execute(() -> w.result.complete(result));
        }
    }

    /**
     * One job being watched. Its fields are changed only by whoever holds it ({@link #claim}): a poll, the watermark
     * query that saw it end, its deadline, or a tick; others only read them, or hand the holder news.
     */
    static final class Watched {
        /** {@link #holder} values besides none (null) and an end the watermark query handed over (a {@link Job}). */
        static final Object BUSY = "busy";
        static final Object DEADLINE = "busy, deadline passed";

        final String uuid;
        final PollSettings poll;
        final JobListener listener;
        final CompletableFuture<TrackResult> result = new CompletableFuture<>();
        /** Who holds the record: nobody, someone, or someone with news waiting for when it lets go. */
        final AtomicReference<Object> holder = new AtomicReference<>();
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
            return holder.compareAndSet(null, BUSY);
        }

        boolean held() {
            return holder.get() != null;
        }
    }
}

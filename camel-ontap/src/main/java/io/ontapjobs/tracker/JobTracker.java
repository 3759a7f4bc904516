package io.ontapjobs.tracker;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.policy.PollSettings;
import io.ontapjobs.time.OntapClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.apache.camel.support.service.ServiceSupport;
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
 * <p>A job's record is changed only by whoever holds it ({@link Holder}): a poll, the watermark query that saw
 * it end, its deadline, or a tick. Whoever finds it held hands its news (an end, the deadline) to the holder, which
 * acts on it when it lets go, so that no end is lost and none is reported twice.
 *
 * <p>A Camel service: {@link #start()} schedules the first tick, {@link #stop()} ends the ticks. The parts: {@link Jobs}
 * (the records and their hand-over), {@link JobReads} (the reads of due jobs), {@link Watermark} (the sweep for ends),
 * {@link JobsEndpoint} (the calls and their backoff).
 */
public class JobTracker extends ServiceSupport {
    static final int MAX_URL_BYTES = 8 * 1024;
    static final String JOBS = "/api/cluster/jobs";
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);
    static final Duration TICK = Duration.ofMillis(50);
    static final Duration WATERMARK_INTERVAL = Duration.ofMillis(500);
    /** end_time has one-second precision, and jobs are not always recorded in end order. */
    static final Duration WATERMARK_OVERLAP = Duration.ofSeconds(2);
    /** Below this many jobs, per-job polls cost no more than the watermark query. */
    static final int WATERMARK_MIN_JOBS = 3;
    /** A running job whose end the watermark query will report is still read on its own this often. */
    static final Duration COVERED_POLL_INTERVAL = Duration.ofSeconds(30);
    /** Records per page of the watermark query, unless told otherwise; ONTAP answers with _links.next beyond it. */
    public static final int WATERMARK_PAGE_SIZE = 1000;

    private final OntapClock clock;
    private final Executor calls;
    private final Semaphore permits;
    private final RandomGenerator random;
    private final Jobs jobs;
    private final JobsEndpoint endpoint;
    private final Watermark watermark;
    private final JobReads reads;
    /** Jobs asked to be read soon ({@link #pollSoon}): the tick applies it to their records. */
    private final Queue<String> soon = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private volatile OntapClock.Cancellable nextTick = () -> { };
    private volatile BooleanSupplier mayPoll = () -> true;
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
        this(client, clock, calls, completions, random, metrics, WATERMARK_PAGE_SIZE);
    }

    /** @param watermarkPageSize records per page of the watermark query ({@code max_records}) */
    public JobTracker(OntapClient client, OntapClock clock, Executor calls, Executor completions, RandomGenerator random,
                      OntapMetrics metrics, int watermarkPageSize) {
        this.clock = clock;
        this.calls = calls;
        this.random = random;
        this.jobs = new Jobs(client.cluster().name(), clock, completions, metrics);
        this.endpoint = new JobsEndpoint(client, metrics, clock, jobs);
        this.permits = new Semaphore(endpoint.maxConcurrentRequests());
        this.watermark = new Watermark(endpoint, jobs, clock, permits, calls, watermarkPageSize);
        this.reads = new JobReads(endpoint, jobs, watermark, clock, random);
        this.nextSweepNanos = clock.nanoTime();
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
        w.nextPollNanos = jobs.size() + 1 >= WATERMARK_MIN_JOBS ? now : now + poll.delayBefore(1, random).toNanos();
        Watched previous = jobs.add(w);
        if (previous != null) {
            return previous.result;
        }
        // set once, after the record is in the map (a deadline already past must find it there)
        w.deadline = clock.schedule(() -> jobs.expire(w), Duration.ofNanos(deadlineNanos - now));
        if (jobs.get(uuid) != w) {
            w.deadline.cancel(); // it ended meanwhile
        }
        return w.result;
    }

    /** Jobs being watched now. */
    public int watching() {
        return jobs.size();
    }

    /**
     * Stops watching a job, without ending it: its future never completes. For a job another process watches now
     * (this one lost its cluster), so that only one process polls a cluster.
     */
    public void forget(String uuid) {
        jobs.forget(uuid);
    }

    /** Makes a job due now, e.g. after it was paused or resumed. */
    public void pollSoon(String uuid) {
        soon.add(uuid);
    }

    /**
     * Reads the jobs endpoint only while {@code mayPoll} says so, asked every tick. With several processes on one
     * cluster, the one that cannot be sure it still owns the cluster holds its polls: its jobs wait, none ends.
     */
    public void pollOnlyWhile(BooleanSupplier mayPoll) {
        this.mayPoll = Objects.requireNonNull(mayPoll, "mayPoll");
    }

    /** Schedules the first tick. */
    @Override
    protected void doStart() {
        running = true;
        nextTick = clock.schedule(this::tick, TICK);
    }

    /** Ends the ticks; the jobs stay as they are (a start ticks again). */
    @Override
    protected void doStop() {
        running = false;
        nextTick.cancel();
    }

    private void tick() {
        if (!running) {
            return;
        }
        try {
            if (!mayPoll.getAsBoolean()) {
                return; // held: the next tick asks again
            }
            long now = clock.nanoTime();
            askedSoon(now);
            boolean batched = jobs.size() >= WATERMARK_MIN_JOBS;
            boolean quiet = endpoint.quiet(now);
            if (batched && !quiet && now - nextSweepNanos >= 0) {
                nextSweepNanos = now + WATERMARK_INTERVAL.toNanos();
                firstReadsDue = true;
                if (watermark.known()) {
                    watermark.send();
                }
            }
            boolean covered = watermark.endsCovered(now);
            List<Watched> dueNow = new ArrayList<>();
            for (Watched w : jobs.all()) {
                if (w.held()) {
                    continue;
                }
                if (w.covered && !covered && w.claim()) { // the watermark stopped (few jobs left, or it fails): own polls
                    w.covered = false;
                    w.nextPollNanos = now;
                    jobs.release(w);
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
            LOG.error("Job tracker tick failed for cluster {}", endpoint.cluster(), e);
        } finally {
            if (running) {
                nextTick = clock.schedule(this::tick, TICK);
            }
        }
    }

    /** Makes the jobs asked for by {@link #pollSoon} due now; one held by a call is done when that call lets go. */
    private void askedSoon(long now) {
        List<String> held = new ArrayList<>();
        for (String uuid = soon.poll(); uuid != null; uuid = soon.poll()) {
            Watched w = jobs.get(uuid);
            if (w == null) {
                continue;
            }
            if (w.claim()) {
                w.nextPollNanos = now;
                w.covered = false;
                jobs.release(w);
            } else {
                held.add(uuid);
            }
        }
        soon.addAll(held);
    }

    /** @return true when every due job went out (false: the rest wait for a free request slot on a later tick) */
    private boolean dispatch(List<Watched> due) {
        List<Watched> single = new ArrayList<>();
        List<Watched> batchable = new ArrayList<>();
        for (Watched w : due) {
            (w.confirm ? single : batchable).add(w);
        }
        List<List<Watched>> work = new ArrayList<>(JobReads.batches(batchable));
        single.forEach(w -> work.add(List.of(w)));
        for (List<Watched> batch : work) {
            if (!permits.tryAcquire()) {
                return false; // the rest stay due and go out on a later tick
            }
            // claimed: from here only this call changes these records (others hand it their news)
            List<Watched> claimed = batch.stream().filter(Watched::claim).toList();
            if (claimed.isEmpty()) {
                permits.release();
                continue;
            }
            calls.execute(() -> {
                try {
                    if (claimed.size() == 1) {
                        reads.pollOne(claimed.get(0));
                    } else {
                        reads.pollBatch(claimed);
                    }
                } finally {
                    permits.release();
                }
            });
        }
        return true;
    }
}

package io.ontapjobs.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.JobLinks;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.policy.PollSettings;
import io.ontapjobs.simulator.Fault;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.time.QueuedExecutor;
import io.ontapjobs.time.Settle;
import io.ontapjobs.time.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many jobs in flight on one cluster are read with a few batched requests, each under the URL limit. On virtual time:
 * the tracker, the simulator's jobs and every REST call follow one {@link VirtualClock}, and the calls run on the test
 * thread between the clock's tasks, so that times and request counts are exact.
 */
class JobTrackerTest {
    static final Instant ORIGIN = Instant.parse("2030-01-01T00:00:00Z");
    final VirtualClock clock = new VirtualClock(ORIGIN);
    final QueuedExecutor calls = new QueuedExecutor();
    OntapSimulator sim;
    DefaultCamelContext context;
    OntapClient client;
    JobTracker tracker;

    @BeforeEach
    void start() throws Exception {
        sim = OntapSimulator.builder().port(0).clock(clock.asClock()).build().start();
        context = new DefaultCamelContext();
        context.start();
        client = new OntapClient(context, ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        clock.settleWith(calls::drain);
        tracker = new JobTracker(client, clock, calls, calls, new Random(7), OntapMetrics.NONE);
        tracker.start();
    }

    @AfterEach
    void stop() throws Exception {
        tracker.close();
        context.close();
        sim.close();
    }

    private List<String> start(String path, int n) throws Exception {
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            uuids.addAll(JobLinks.uuids(client.call("POST", path, Map.of(), "{\"name\":\"v" + i + "\"}").body()));
        }
        return uuids;
    }

    private long deadlineIn(Duration d) {
        return clock.nanoTime() + d.toNanos();
    }

    private long jobsRequests() {
        return sim.stats().jobGets() + sim.stats().jobListGets();
    }

    @Test
    void sixHundredJobsArePolledInBatchesThatFitTheUrlLimit() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(1500)).build());
        List<String> uuids = start("/api/storage/volumes", 600);
        sim.stats().reset();
        PollSettings poll = new PollSettings(Duration.ofMillis(300), Duration.ofSeconds(1), 2.0, 0.1);

        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadlineIn(Duration.ofSeconds(30)), null)).toList();
        clock.advance(Duration.ofMillis(1550));

        assertThat(results).allSatisfy(f -> {
            assertThat(f).isDone();
            assertThat(f.join().end()).isEqualTo(TrackResult.End.FINISHED);
            assertThat(f.join().job().state()).isEqualTo("success");
        });
        // A per-job poller at 1 s would send 1,200 GETs. Here: the first reads in three uuid batches of 200 (the URL
        // limit), then one end_time query per sweep (0.55, 1.05, 1.55 s), the last of which sees all 600 end.
        assertThat(sim.stats().jobListGets()).isEqualTo(6);
        assertThat(sim.stats().jobGets()).isZero();
        assertThat(tracker.watching()).isZero();
    }

    @Test
    void aTrackerHeldByItsGateReadsNothingAndEndsNothingUntilTheGateOpens() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(1)).build());
        List<String> uuids = start("/api/storage/volumes", 5);
        sim.stats().reset();
        AtomicBoolean owner = new AtomicBoolean(false);
        tracker.pollOnlyWhile(owner::get);
        PollSettings poll = new PollSettings(Duration.ofMillis(200), Duration.ofSeconds(1), 2.0, 0);

        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadlineIn(Duration.ofSeconds(60)), null)).toList();
        clock.advance(Duration.ofSeconds(5));

        assertThat(jobsRequests()).as("no read of the jobs endpoint while held").isZero();
        assertThat(results).noneMatch(CompletableFuture::isDone);

        owner.set(true);
        clock.advance(Duration.ofSeconds(1));

        assertThat(results).allSatisfy(f -> assertThat(f.join().end()).isEqualTo(TrackResult.End.FINISHED));
        assertThat(jobsRequests()).isPositive();
    }

    @Test
    void endsAreFoundByTheWatermarkQueryNotByPollingEachJob() throws Exception {
        for (int bucket = 2; bucket <= 6; bucket++) {
            sim.addScenario(Scenario.on("POST", "/api/bucket-" + bucket + "/*").duration(Duration.ofMillis(bucket * 1000 + 330)).build());
        }
        sim.addScenario(Scenario.on("POST", "/api/others/*").duration(Duration.ofMillis(1500)).build());
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            uuids.addAll(start("/api/bucket-" + (2 + i % 5) + "/x", 1));
        }
        start("/api/others/x", 50); // another client's jobs end too: the tracker must ignore them
        sim.stats().reset();
        PollSettings poll = new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(2), 2.0, 0.1);

        Map<String, Instant> seenAt = new ConcurrentHashMap<>();
        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadlineIn(Duration.ofSeconds(30)), null)).toList();
        results.forEach(f -> f.thenAccept(r -> seenAt.put(r.job().uuid(), clock.now())));
        clock.advance(Duration.ofSeconds(7));

        for (CompletableFuture<TrackResult> f : results) {
            TrackResult r = f.join();
            assertThat(r.end()).isEqualTo(TrackResult.End.FINISHED);
            assertThat(r.job().state()).isEqualTo("success");
            // seen by the first sweep after its end (end_time has second precision; the watermark overlaps it)
            Instant end = sim.endInstant(r.job().uuid()).orElseThrow();
            assertThat(Duration.between(end, seenAt.get(r.job().uuid())))
                    .isBetween(Duration.ZERO, JobTracker.WATERMARK_INTERVAL.plus(JobTracker.TICK));
        }
        // A per-job poller at 1 s would send ~1,300 GETs for these jobs (2.3-6.3 s each). Here: two uuid batches for
        // the first reads, then one end_time query per 500 ms sweep until the last end at 6.33 s.
        assertThat(jobsRequests()).isBetween(12L, 16L);
    }

    @Test
    void aTrackerReadsNothingBeforeItStartsNorAfterItStops() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(1)).build());
        tracker.stop();
        tracker = new JobTracker(client, clock, calls, calls, new Random(7), OntapMetrics.NONE); // schedules nothing
        String uuid = start("/api/storage/volumes", 1).get(0);
        sim.stats().reset();
        PollSettings poll = new PollSettings(Duration.ofMillis(200), Duration.ofSeconds(1), 2.0, 0);
        CompletableFuture<TrackResult> result = tracker.track(uuid, poll, deadlineIn(Duration.ofSeconds(60)), null);
        clock.advance(Duration.ofSeconds(3));
        assertThat(jobsRequests()).as("no tick before start").isZero();

        tracker.start();
        clock.advance(Duration.ofMillis(300));
        assertThat(result.join().end()).isEqualTo(TrackResult.End.FINISHED);

        String another = start("/api/storage/volumes", 1).get(0);
        tracker.stop();
        sim.stats().reset();
        CompletableFuture<TrackResult> notRead = tracker.track(another, poll, deadlineIn(Duration.ofSeconds(60)), null);
        clock.advance(Duration.ofSeconds(3));
        assertThat(jobsRequests()).as("no tick after stop").isZero();
        assertThat(notRead).isNotDone();
    }

    @Test
    void watermarkAnswersArePagedThrough() throws Exception {
        tracker.stop(); // ONTAP pages with _links.next; 60 jobs ending together need several pages of 7
        tracker = new JobTracker(client, clock, calls, calls, new Random(7), OntapMetrics.NONE, 7);
        tracker.start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(1500)).build());
        List<String> uuids = start("/api/storage/volumes", 60);
        PollSettings poll = new PollSettings(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0, 0);
        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadlineIn(Duration.ofSeconds(20)), null)).toList();

        clock.advance(Duration.ofSeconds(3));

        // Covered jobs are read alone only every 30 s: within 3 s their ends can only come from the watermark
        // query's later pages.
        assertThat(results).allSatisfy(f -> assertThat(f.join().job().state()).isEqualTo("success"));
        assertThat(sim.stats().jobGets()).isZero();
    }

    @Test
    void retryAfterQuietsTheWholeCluster() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(2)).build());
        List<String> uuids = start("/api/storage/volumes", 20);
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").status(429).retryAfter(Duration.ofSeconds(5)).build());
        sim.stats().reset();
        PollSettings poll = new PollSettings(Duration.ofMillis(100), Duration.ofMillis(200), 2.0, 0);
        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadlineIn(Duration.ofSeconds(30)), null)).toList();

        // the first read of all 20 (one batch) is answered 429 "come back in 5 s": nothing more is sent until then
        clock.advance(Duration.ofMillis(5049));
        assertThat(sim.stats().faultsInjected()).isEqualTo(1);
        assertThat(sim.stats().total()).isEqualTo(1);
        sim.clearFaults();

        clock.advance(Duration.ofSeconds(1));
        assertThat(results).allSatisfy(f -> assertThat(f.join().job().state()).isEqualTo("success"));
    }

    @Test
    void operationsArrivingOneByOneJoinTheSweepsBatchAndCostATenthOfAPerJobPoller() throws Exception {
        for (int d = 10; d <= 20; d++) {
            sim.addScenario(Scenario.on("POST", "/api/d" + d + "/*").duration(Duration.ofMillis(d * 1000 + 370)).build());
        }
        PollSettings poll = PollSettings.DEFAULT;
        int operations = 40;
        Duration every = Duration.ofMillis(50); // 40 files dropped into the inbox over 2 s
        Duration runFor = Duration.ofSeconds(25); // past the last end (1.95 + 20.37 s)

        // ontap-jobs: each operation's job is tracked as its trigger is answered
        sim.stats().reset();
        List<CompletableFuture<TrackResult>> ours = new ArrayList<>();
        for (int i = 0; i < operations; i++) {
            String path = "/api/d" + (10 + i % 11) + "/x";
            clock.schedule(() -> {
                try {
                    ours.add(tracker.track(start(path, 1).get(0), poll, deadlineIn(Duration.ofMinutes(1)), null));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, every.multipliedBy(i));
        }
        clock.advance(Duration.ofMillis(2100)); // the last arrives at 1.95 s and is read by the sweep at 2.1 s
        long whileArriving = jobsRequests();
        clock.advance(runFor.minusMillis(2100));
        assertThat(ours).hasSize(operations).allSatisfy(f -> assertThat(f.join().job().state()).isEqualTo("success"));
        long oursRequests = jobsRequests();

        // the common client, the same operations arriving the same way: its own GET of each job every second
        sim.stats().reset();
        List<CompletableFuture<Void>> baseline = new ArrayList<>();
        for (int i = 0; i < operations; i++) {
            String path = "/api/d" + (10 + i % 11) + "/x";
            CompletableFuture<Void> seen = new CompletableFuture<>();
            baseline.add(seen);
            clock.schedule(() -> {
                try {
                    String uuid = start(path, 1).get(0);
                    clock.schedule(new Runnable() {
                        @Override
                        public void run() {
                            try {
                                if (client.get(JobTracker.JOBS + "/" + uuid, Map.of("fields", "state")).body().path("state").asText().equals("success")) {
                                    seen.complete(null);
                                } else {
                                    clock.schedule(this, Duration.ofSeconds(1));
                                }
                            } catch (Exception e) {
                                seen.completeExceptionally(e);
                            }
                        }
                    }, Duration.ofSeconds(1));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, every.multipliedBy(i));
        }
        clock.advance(runFor);
        assertThat(baseline).allSatisfy(f -> assertThat(f).isCompleted());
        long baselineRequests = jobsRequests();

        // first reads go with the sweeps (every 500 ms, from the third job on): a batch and an end query each
        assertThat(whileArriving).as("requests while 40 operations arrive").isLessThanOrEqualTo(10);
        assertThat((double) oursRequests / baselineRequests).as("%d requests against the per-job poller's %d", oursRequests, baselineRequests)
                .isLessThanOrEqualTo(0.1);
    }

    @Test
    void aJobPolledWithBackoffOf1s2s4sIsReadThreeTimesInTenSeconds() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());
        String uuid = start("/api/snapmirror/relationships/r1/transfers", 1).get(0);
        sim.stats().reset();
        List<Duration> readAt = new ArrayList<>();

        tracker.track(uuid, new PollSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0), deadlineIn(Duration.ofMinutes(1)),
                new JobListener() {
                    @Override
                    public void changed(io.ontapjobs.ontap.Job job) {
                    }

                    @Override
                    public void polled(io.ontapjobs.ontap.Job job) {
                        readAt.add(clock.elapsed());
                    }
                });
        clock.advance(Duration.ofSeconds(10));

        assertThat(readAt).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(7));
        assertThat(sim.stats().jobGets()).isEqualTo(3);
    }

    @Test
    void aJobEndsTimedOutAtItsDeadlineExactly() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());
        String uuid = start("/api/snapmirror/relationships/r1/transfers", 1).get(0);
        Duration deadline = Duration.ofMillis(9975); // between two ticks

        CompletableFuture<TrackResult> result = tracker.track(uuid, new PollSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0),
                deadlineIn(deadline), null);
        clock.advance(deadline.minusMillis(1));
        assertThat(result).isNotDone();
        clock.advance(Duration.ofMillis(1));

        assertThat(result).isDone();
        assertThat(result.join().end()).isEqualTo(TrackResult.End.TIMED_OUT);
        assertThat(result.join().polls()).as("read at 1, 3 and 7 s").isEqualTo(3);
        assertThat(tracker.watching()).isZero();
    }

    @Test
    void anEndTheWatermarkQuerySeesWhileTheJobsOwnReadIsOutIsDeliveredByThatRead() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/long/*").runsUntilCancelled().build());
        sim.addScenario(Scenario.on("POST", "/api/short/*").duration(Duration.ofSeconds(2)).build());
        PollSettings poll = new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(2), 2.0, 0);
        start("/api/long/x", 2).forEach(u -> tracker.track(u, poll, deadlineIn(Duration.ofMinutes(1)), null));
        String uuid = start("/api/short/x", 1).get(0);
        CountDownLatch answered = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        AtomicBoolean holdTheNextRead = new AtomicBoolean();
        List<String> told = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<CompletableFuture<TrackResult>> result = new AtomicReference<>();
        result.set(tracker.track(uuid, poll, deadlineIn(Duration.ofMinutes(1)), new JobListener() {
            @Override
            public void changed(io.ontapjobs.ontap.Job job) {
                told.add("changed " + job.state() + (result.get().isDone() ? " after the result" : ""));
            }

            @Override
            public void polled(io.ontapjobs.ontap.Job job) {
                told.add("polled " + job.state() + (result.get().isDone() ? " after the result" : ""));
                if (holdTheNextRead.getAndSet(false)) {
                    answered.countDown();
                    await(goOn);
                }
            }
        }));
        clock.advance(Duration.ofMillis(100)); // first read by the sweep at 0.05 s: running, covered by the watermark

        // its own read (asked for, as after a pause) goes out at 0.15 s and is held on another thread once answered
        holdTheNextRead.set(true);
        tracker.pollSoon(uuid);
        clock.settleWith(() -> { });
        clock.advance(Duration.ofMillis(50));
        Thread ownRead = new Thread(calls.take());
        assertThat(calls.queued()).isZero();
        ownRead.start();
        await(answered);
        // meanwhile the job ends (2 s) and the sweep at 2.05 s sees it: the read that holds the record must end it
        clock.settleWith(calls::drain);
        clock.advance(Duration.ofMillis(1950));
        assertThat(result.get()).isNotDone();
        goOn.countDown();
        ownRead.join();
        clock.advance(Duration.ZERO); // its completion, on the completions pool

        assertThat(result.get()).isDone();
        assertThat(result.get().join().end()).isEqualTo(TrackResult.End.FINISHED);
        assertThat(result.get().join().job().state()).isEqualTo("success");
        assertThat(result.get().join().polls()).as("the sweep's first read, its own read, the watermark's end").isEqualTo(3);
        assertThat(told).containsExactly("polled running", "changed running", "polled running", "polled success");
    }

    @Test
    void underConcurrencyEveryReadIsCountedOnceAndNothingIsToldAfterTheResult() throws Exception {
        Settle settle = new Settle();
        ExecutorService pool = settle.pool(4);
        ExecutorService completions = settle.pool(2);
        clock.settleWith(settle);
        OntapClient four = new OntapClient(context, ClusterConfig.of("four", sim.baseUrl(), "admin", "netapp1!").withMaxConcurrentRequests(4));
        JobTracker concurrent = new JobTracker(four, clock, pool, completions, new Random(11), OntapMetrics.NONE);
        concurrent.start();
        for (int d = 1; d <= 4; d++) {
            sim.addScenario(Scenario.on("POST", "/api/d" + d + "/*").duration(Duration.ofMillis(d * 1000 + 170)).build());
        }
        PollSettings poll = new PollSettings(Duration.ofMillis(100), Duration.ofMillis(400), 2.0, 0.5);
        Map<String, List<String>> told = new ConcurrentHashMap<>();
        Map<String, CompletableFuture<TrackResult>> results = new ConcurrentHashMap<>();
        for (int i = 0; i < 40; i++) {
            String uuid = start("/api/d" + (1 + i % 4) + "/x", 1).get(0);
            List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
            told.put(uuid, events);
            results.put(uuid, concurrent.track(uuid, poll, deadlineIn(Duration.ofMinutes(1)), new JobListener() {
                @Override
                public void changed(io.ontapjobs.ontap.Job job) {
                    events.add("changed " + job.state() + (results.get(uuid).isDone() ? " after the result" : ""));
                }

                @Override
                public void polled(io.ontapjobs.ontap.Job job) {
                    events.add("polled " + job.state() + (results.get(uuid).isDone() ? " after the result" : ""));
                }
            }));
        }

        // every 100 ms every job is asked for again, so that own reads race the sweeps' end queries on four threads
        for (int step = 0; step < 50; step++) {
            results.forEach((uuid, f) -> {
                if (!f.isDone()) {
                    concurrent.pollSoon(uuid);
                }
            });
            clock.advance(Duration.ofMillis(100));
        }
        concurrent.close();
        pool.shutdown();
        completions.shutdown();

        results.forEach((uuid, f) -> {
            TrackResult r = f.join();
            List<String> events = told.get(uuid);
            assertThat(r.job().state()).isEqualTo("success");
            assertThat(r.polls()).as("reads counted for %s: %s", uuid, events).isEqualTo(events.stream().filter(e -> e.startsWith("polled")).count());
            assertThat(events).as("told of %s", uuid).noneMatch(e -> e.endsWith("after the result"))
                    .filteredOn(e -> e.contains("success")).containsExactly("polled success");
            assertThat(events.get(events.size() - 1)).isEqualTo("polled success");
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("not released within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void batchesStayUnderEightKilobytes() {
        List<Watched> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(new Watched(java.util.UUID.randomUUID().toString(), PollSettings.DEFAULT, null));
        }

        List<List<Watched>> batches = JobReads.batches(jobs);

        assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(1000);
        assertThat(batches).hasSizeBetween(5, 6);
        for (List<Watched> b : batches) {
            String query = OntapClient.encodeQuery(Map.of("uuid", String.join("|", b.stream().map(w -> w.uuid).toList()),
                    "fields", io.ontapjobs.ontap.Job.FIELDS, "max_records", String.valueOf(b.size())));
            assertThat(("GET " + JobTracker.JOBS + "?" + query + " HTTP/1.1").length()).isLessThanOrEqualTo(JobTracker.MAX_URL_BYTES);
        }
    }
}

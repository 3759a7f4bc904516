package io.ontapjobs.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.JobLinks;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.policy.PollSettings;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Many jobs in flight on one cluster are read with a few batched requests, each under the URL limit. */
class JobTrackerTest {
    OntapSimulator sim;
    DefaultCamelContext context;
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    ExecutorService calls = Executors.newFixedThreadPool(2);
    ExecutorService completions = Executors.newSingleThreadExecutor();
    OntapClient client;
    JobTracker tracker;

    @BeforeEach
    void start() throws Exception {
        sim = OntapSimulator.builder().port(0).build().start();
        context = new DefaultCamelContext();
        context.start();
        client = new OntapClient(context, ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        tracker = new JobTracker(client, scheduler, calls, completions, new Random(7));
    }

    @AfterEach
    void stop() throws Exception {
        tracker.close();
        scheduler.shutdownNow();
        calls.shutdownNow();
        completions.shutdownNow();
        context.close();
        sim.close();
    }

    @Test
    void sixHundredJobsArePolledInBatchesThatFitTheUrlLimit() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(1500)).build());
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            uuids.addAll(JobLinks.uuids(client.call("POST", "/api/storage/volumes", Map.of(), "{\"name\":\"v" + i + "\"}").body()));
        }
        sim.stats().reset();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        PollSettings poll = new PollSettings(Duration.ofMillis(300), Duration.ofSeconds(1), 2.0, 0.1);

        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadline, null)).toList();
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(results).allSatisfy(f -> {
            assertThat(f.join().end()).isEqualTo(TrackResult.End.FINISHED);
            assertThat(f.join().job().state()).isEqualTo("success");
        });
        // 600 jobs watched for ~1.5 s: a per-job poller at 1 s would send >= 1,200 GETs; batches of ~200 send a few dozen.
        assertThat(sim.stats().jobListGets()).isBetween(3L, 60L);
        assertThat(sim.stats().jobGets()).isLessThan(20);
        assertThat(tracker.watching()).isZero();
    }

    @Test
    void endsAreFoundByTheWatermarkQueryNotByPollingEachJob() throws Exception {
        for (int bucket = 2; bucket <= 6; bucket++) {
            sim.addScenario(Scenario.on("POST", "/api/bucket-" + bucket + "/*").duration(Duration.ofSeconds(bucket)).build());
        }
        sim.addScenario(Scenario.on("POST", "/api/others/*").duration(Duration.ofMillis(1500)).build());
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            uuids.addAll(JobLinks.uuids(client.call("POST", "/api/bucket-" + (2 + i % 5) + "/x", Map.of(), "{}").body()));
        }
        for (int i = 0; i < 50; i++) { // another client's jobs end too: the tracker must ignore them
            client.call("POST", "/api/others/x", Map.of(), "{}");
        }
        sim.stats().reset();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        PollSettings poll = new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(2), 2.0, 0.1);

        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadline, null)).toList();
        Map<String, java.time.Instant> seenAt = new java.util.concurrent.ConcurrentHashMap<>();
        // Wait on the recording callbacks themselves: allOf(results) may complete before the last of them ran.
        List<CompletableFuture<Void>> recorded = results.stream()
                .map(f -> f.thenAccept(r -> seenAt.put(r.job().uuid(), java.time.Instant.now()))).toList();
        CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        for (CompletableFuture<TrackResult> f : results) {
            TrackResult r = f.join();
            assertThat(r.end()).isEqualTo(TrackResult.End.FINISHED);
            assertThat(r.job().state()).isEqualTo("success");
            // end_time has second precision (truncated): seen within the watermark interval, plus that second,
            // plus a tick
            java.time.Instant end = java.time.OffsetDateTime.parse(r.job().endTime()).toInstant();
            assertThat(Duration.between(end, seenAt.get(r.job().uuid()))).isLessThan(Duration.ofMillis(2500));
        }
        // A per-job poller at 1 s would send ~1,200 GETs for these jobs (2-6 s each); a per-job poller with this
        // backoff about 1,000. One query a second for the ends plus a few first-sighting batches is a few dozen.
        assertThat(sim.stats().jobListGets() + sim.stats().jobGets()).isLessThan(40);
    }

    @Test
    void watermarkAnswersArePagedThrough() throws Exception {
        tracker.pageSize = 7; // ONTAP pages with _links.next; 60 jobs ending together need several pages
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(1500)).build());
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            uuids.addAll(JobLinks.uuids(client.call("POST", "/api/storage/volumes", Map.of(), "{}").body()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        PollSettings poll = new PollSettings(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0, 0);
        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadline, null)).toList();

        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        // Covered jobs are read alone only every 30 s: within the 20 s deadline their ends can only come from the
        // watermark query's later pages (this test times out when _links.next is ignored).
        assertThat(results).allSatisfy(f -> assertThat(f.join().job().state()).isEqualTo("success"));
    }

    @Test
    void retryAfterQuietsTheWholeCluster() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(2)).build());
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            uuids.addAll(JobLinks.uuids(client.call("POST", "/api/storage/volumes", Map.of(), "{}").body()));
        }
        sim.addFault(io.ontapjobs.simulator.Fault.on("GET", "/api/cluster/jobs*").status(429).retryAfter(Duration.ofSeconds(5)).build());
        sim.stats().reset();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        PollSettings poll = new PollSettings(Duration.ofMillis(100), Duration.ofMillis(200), 2.0, 0);
        List<CompletableFuture<TrackResult>> results = uuids.stream().map(u -> tracker.track(u, poll, deadline, null)).toList();

        // for 3 s the cluster answers 429 "come back in 5 s": only the calls already in flight may be refused
        org.awaitility.Awaitility.await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(sim.stats().faultsInjected()).isBetween(1L, 2L);
        sim.clearFaults();

        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertThat(results).allSatisfy(f -> assertThat(f.join().job().state()).isEqualTo("success"));
    }

    @Test
    void batchesStayUnderEightKilobytes() {
        List<JobTracker.Watched> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(new JobTracker.Watched(java.util.UUID.randomUUID().toString(), PollSettings.DEFAULT, 0, null));
        }

        List<List<JobTracker.Watched>> batches = tracker.batches(jobs);

        assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(1000);
        assertThat(batches).hasSizeBetween(5, 6);
        for (List<JobTracker.Watched> b : batches) {
            String query = OntapClient.encodeQuery(Map.of("uuid", String.join("|", b.stream().map(w -> w.uuid).toList()),
                    "fields", io.ontapjobs.ontap.Job.FIELDS, "max_records", String.valueOf(b.size())));
            assertThat(("GET " + JobTracker.JOBS + "?" + query + " HTTP/1.1").length()).isLessThanOrEqualTo(JobTracker.MAX_URL_BYTES);
        }
    }
}

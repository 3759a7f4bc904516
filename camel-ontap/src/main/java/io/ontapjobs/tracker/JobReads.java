package io.ontapjobs.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.time.OntapClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads of the jobs a tick found due, on the cluster's pool: {@code GET /api/cluster/jobs/{uuid}} for one, a
 * {@code uuid=a|b|...} query for several (paged through {@code _links.next}), and what an answer does to a record:
 * its end, its listener told of a change, its next poll time.
 */
final class JobReads {
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);

    private final JobsEndpoint endpoint;
    private final Jobs jobs;
    private final Watermark watermark;
    private final OntapClock clock;
    private final RandomGenerator random;

    JobReads(JobsEndpoint endpoint, Jobs jobs, Watermark watermark, OntapClock clock, RandomGenerator random) {
        this.endpoint = endpoint;
        this.jobs = jobs;
        this.watermark = watermark;
        this.clock = clock;
        this.random = random;
    }

    /** Splits UUIDs into groups whose query string stays under the URL limit. */
    static List<List<Watched>> batches(List<Watched> jobs) {
        List<List<Watched>> result = new ArrayList<>();
        int fixed = (JobTracker.JOBS + "?fields=" + Job.FIELDS + "&uuid=").length() + 64;
        List<Watched> current = new ArrayList<>();
        int length = fixed;
        for (Watched w : jobs) {
            int add = w.uuid.length() + 3; // "|" percent-encoded
            if (!current.isEmpty() && length + add > JobTracker.MAX_URL_BYTES) {
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

    void pollBatch(List<Watched> batch) {
        Map<String, Watched> byUuid = new LinkedHashMap<>();
        batch.forEach(w -> byUuid.put(w.uuid, w));
        Map<String, String> query = new LinkedHashMap<>();
        query.put("uuid", String.join("|", byUuid.keySet()));
        query.put("fields", Job.FIELDS);
        query.put("max_records", String.valueOf(batch.size()));
        Map<String, Job> seen = new HashMap<>();
        try {
            OntapResponse last = endpoint.pages(JobTracker.JOBS, query, page -> {
                if (!Watermark.usable(page)) {
                    return false;
                }
                for (JsonNode record : page.body().path("records")) {
                    Job job = Job.from(record);
                    seen.put(job.uuid(), job);
                }
                return true;
            });
            if (!Watermark.usable(last)) {
                endpoint.failed(batch, last, null);
                return;
            }
        } catch (ClusterCallException e) {
            endpoint.failed(batch, null, e);
            return;
        }
        endpoint.answered();
        for (Watched w : batch) {
            Job job = seen.get(w.uuid);
            if (job == null) {
                w.confirm = true; // not listed: deleted, or not yet visible; one GET tells which
                w.nextPollNanos = clock.nanoTime();
                jobs.release(w);
            } else {
                observed(w, job);
            }
        }
    }

    void pollOne(Watched w) {
        try {
            OntapResponse response = endpoint.get(JobTracker.JOBS + "/" + w.uuid, Map.of("fields", Job.FIELDS));
            if (response.status() == 404 && response.error().map(e -> OntapError.ENTRY_DOES_NOT_EXIST.equals(e.code())).orElse(true)) {
                if (w.endHandedOver() != null) { // the watermark query saw it end before it was deleted
                    jobs.release(w);
                    return;
                }
                jobs.finish(w, new TrackResult(TrackResult.End.VANISHED, w.last, w.polls,
                        "job " + w.uuid + " no longer exists on the cluster (ONTAP deletes finished jobs after about 300 s)"));
                return;
            }
            if (!Watermark.usable(response)) {
                endpoint.failed(List.of(w), response, null);
                return;
            }
            endpoint.answered();
            w.confirm = false;
            observed(w, Job.from(response.body()));
        } catch (ClusterCallException e) {
            endpoint.failed(List.of(w), null, e);
        }
    }

    private void observed(Watched w, Job job) {
        Job end = w.endHandedOver();
        if (!job.isFinished() && end != null) {
            job = end; // the watermark query saw it end while this poll was in flight: never report it running again
        }
        Job before = w.last;
        Jobs.seen(w, job);
        if (job.isFinished()) {
            jobs.finish(w, new TrackResult(TrackResult.End.FINISHED, job, w.polls, null));
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
        watermark.started(job, now);
        Duration delay = w.poll.delayBefore(w.polls + 1, random);
        w.covered = watermark.endsCovered(now) && delay.compareTo(JobTracker.COVERED_POLL_INTERVAL) < 0;
        if (w.covered) {
            delay = JobTracker.COVERED_POLL_INTERVAL;
        }
        w.nextPollNanos = now + delay.toNanos();
        jobs.release(w);
    }
}

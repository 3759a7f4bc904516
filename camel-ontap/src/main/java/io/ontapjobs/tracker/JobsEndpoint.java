package io.ontapjobs.tracker;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.ontap.Pages;
import io.ontapjobs.policy.Backoff;
import io.ontapjobs.time.OntapClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's calls to the cluster's jobs endpoint, each counted in the metrics, and the backoff when they fail:
 * polls that fail in a row wait longer each time, and {@code 429}/{@code 503} quiet the whole cluster for
 * {@code Retry-After}.
 */
final class JobsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);
    /** Polls in a row that failed: 200 ms after the first, doubling up to 30 s, no jitter. */
    private static final Backoff ERROR_BACKOFF = new Backoff(Duration.ofMillis(200), 2, Duration.ofSeconds(30), 0);

    private final OntapClient client;
    private final OntapMetrics metrics;
    private final OntapClock clock;
    private final Jobs jobs;
    private volatile long quietUntilNanos;
    private volatile int consecutiveErrors;

    JobsEndpoint(OntapClient client, OntapMetrics metrics, OntapClock clock, Jobs jobs) {
        this.client = client;
        this.metrics = metrics;
        this.clock = clock;
        this.jobs = jobs;
        this.quietUntilNanos = clock.nanoTime();
    }

    String cluster() {
        return client.cluster().name();
    }

    int maxConcurrentRequests() {
        return client.cluster().maxConcurrentRequests();
    }

    /** The cluster asked us to wait ({@code Retry-After}) and that time has not passed. */
    boolean quiet(long now) {
        return now - quietUntilNanos < 0;
    }

    OntapResponse get(String path, Map<String, String> query) throws ClusterCallException {
        return counted(path, query);
    }

    /** {@code GET path?query} and every page after it ({@link Pages}), each counted. */
    OntapResponse pages(String path, Map<String, String> query, Pages.Page page) throws ClusterCallException {
        return Pages.forEach(counted(path, query), href -> counted(href, null), page);
    }

    /** A path with a query, or (query null) a {@code _links.next} href that carries its own. */
    private OntapResponse counted(String pathOrHref, Map<String, String> query) throws ClusterCallException {
        try {
            OntapResponse response = query == null ? client.getHref(pathOrHref) : client.get(pathOrHref, query);
            metrics.jobsRequest(cluster(), String.valueOf(response.status()));
            return response;
        } catch (ClusterCallException e) {
            metrics.jobsRequest(cluster(), "error");
            throw e;
        }
    }

    /** A usable answer about jobs: the error backoff starts again from its first step. */
    void answered() {
        consecutiveErrors = 0;
    }

    /** No usable answer: keep the jobs, poll them later; slow the whole cluster down when it asks us to. */
    void failed(List<Watched> batch, OntapResponse response, ClusterCallException error) {
        int errors = ++consecutiveErrors;
        Duration wait = ERROR_BACKOFF.delay(errors);
        if (response != null && response.isBackPressure()) {
            Duration retryAfter = response.retryAfter() != null ? response.retryAfter() : wait;
            quietUntilNanos = clock.nanoTime() + retryAfter.toNanos();
            wait = retryAfter;
            LOG.warn("Cluster {} answered {}: pausing job polls for {} ms", cluster(), response.status(), retryAfter.toMillis());
        } else {
            LOG.warn("Polling jobs on cluster {} failed ({}); retrying in {} ms", cluster(),
                    error != null ? error.getMessage() : "HTTP " + response.status() + response.error().map(e -> " " + e).orElse(""),
                    wait.toMillis());
        }
        long next = clock.nanoTime() + wait.toNanos();
        for (Watched w : batch) {
            w.readFailed = true;
            w.nextPollNanos = next;
            jobs.release(w);
        }
    }
}

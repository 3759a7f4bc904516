package io.ontapjobs.simulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Thread-safe request counters of an {@link OntapSimulator}, and the peak of jobs unfinished at once. Control-API
 * requests are not counted.
 */
public final class SimulatorStats {
    private final LongAdder triggers = new LongAdder();
    private final LongAdder jobGets = new LongAdder();
    private final LongAdder jobListGets = new LongAdder();
    private final LongAdder jobPatches = new LongAdder();
    private final LongAdder faultsInjected = new LongAdder();
    private final LongAdder unauthorized = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final LongAdder emsEventGets = new LongAdder();
    private final LongAdder emsRequests = new LongAdder();
    private final LongAdder emsPushes = new LongAdder();
    private final LongAdder emsPushFailures = new LongAdder();
    private final AtomicInteger peakActiveJobs = new AtomicInteger();

    SimulatorStats() {
    }

    /** POST/PATCH/DELETE requests under {@code /api/} outside {@code /api/cluster/jobs}. */
    public long triggers() {
        return triggers.sum();
    }

    /** {@code GET /api/cluster/jobs/{uuid}} requests. */
    public long jobGets() {
        return jobGets.sum();
    }

    /** {@code GET /api/cluster/jobs} requests. */
    public long jobListGets() {
        return jobListGets.sum();
    }

    /** {@code PATCH /api/cluster/jobs/{uuid}} requests. */
    public long jobPatches() {
        return jobPatches.sum();
    }

    /** Requests that a fault was applied to (status, drop, truncate or latency). */
    public long faultsInjected() {
        return faultsInjected.sum();
    }

    /** Requests answered 401. */
    public long unauthorized() {
        return unauthorized.sum();
    }

    /** Every request outside the control API ({@code /_simulator/...}). */
    public long total() {
        return total.sum();
    }

    /** {@code GET /api/support/ems/events} requests (the collection): one per cluster per poll for a well-behaved consumer. */
    public long emsEventGets() {
        return emsEventGets.sum();
    }

    /** Every request under {@code /api/support/ems} (events, messages, destinations, filters). */
    public long emsRequests() {
        return emsRequests.sum();
    }

    /** Events pushed (POSTs attempted) to {@code rest_api} destinations. */
    public long emsPushes() {
        return emsPushes.sum();
    }

    /** Pushes that failed (no connection, timeout, or a status other than 2xx); failed pushes are not retried. */
    public long emsPushFailures() {
        return emsPushFailures.sum();
    }

    /**
     * The most jobs unfinished (queued, running or paused) at the same time since the last reset, as seen when a job
     * starts: what a client's cap on jobs in flight must keep low.
     */
    public int peakActiveJobs() {
        return peakActiveJobs.get();
    }

    /** Sets every counter to zero. */
    public void reset() {
        triggers.reset();
        jobGets.reset();
        jobListGets.reset();
        jobPatches.reset();
        faultsInjected.reset();
        unauthorized.reset();
        total.reset();
        emsEventGets.reset();
        emsRequests.reset();
        emsPushes.reset();
        emsPushFailures.reset();
        peakActiveJobs.set(0);
    }

    /** The counters by name (kebab-free snake names matching the getters), in a stable order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("triggers", triggers());
        m.put("job_gets", jobGets());
        m.put("job_list_gets", jobListGets());
        m.put("job_patches", jobPatches());
        m.put("faults_injected", faultsInjected());
        m.put("unauthorized", unauthorized());
        m.put("total", total());
        m.put("peak_active_jobs", (long) peakActiveJobs());
        m.put("ems_event_gets", emsEventGets());
        m.put("ems_requests", emsRequests());
        m.put("ems_pushes", emsPushes());
        m.put("ems_push_failures", emsPushFailures());
        return m;
    }

    void trigger() {
        triggers.increment();
    }

    void jobGet() {
        jobGets.increment();
    }

    void jobListGet() {
        jobListGets.increment();
    }

    void jobPatch() {
        jobPatches.increment();
    }

    void fault() {
        faultsInjected.increment();
    }

    void unauthorizedRequest() {
        unauthorized.increment();
    }

    void emsEventGet() {
        emsEventGets.increment();
    }

    void emsRequest() {
        emsRequests.increment();
    }

    void emsPush() {
        emsPushes.increment();
    }

    void emsPushFailure() {
        emsPushFailures.increment();
    }

    void request() {
        total.increment();
    }

    void activeJobs(int n) {
        peakActiveJobs.accumulateAndGet(n, Math::max);
    }

    @Override
    public String toString() {
        return "SimulatorStats" + snapshot();
    }
}

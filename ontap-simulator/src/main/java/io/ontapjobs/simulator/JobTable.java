package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The jobs held and what {@code /api/cluster/jobs} does with them: start, GET one or a filtered list, PATCH
 * pause/resume/cancel with ONTAP's error codes, run a job's success work once it has succeeded, and delete finished
 * jobs after the retention time (lazily when read, and by {@link #sweep()}).
 */
final class JobTable {
    static final String PATH = "/api/cluster/jobs";
    /** Field names the jobs API accepts in filters, {@code fields} and {@code order_by}. */
    static final Set<String> FIELDS = Set.of("uuid", "description", "state", "message", "code", "error", "error.code",
            "error.message", "error.target", "error.arguments", "error.arguments.code", "error.arguments.message",
            "start_time", "end_time", "node", "node.name", "svm", "svm.name", "svm.uuid", "svm._links", "_links", "_links.self");

    private final long retentionMs;
    private final String nodeName;
    /** Shared with the records: one creation order for everything the simulator lists. */
    private final AtomicLong seq;
    private final SimulatorStats stats;
    /** Jobs start, run and end by this clock: the system's, or a test's virtual one. */
    final java.time.Clock clock;

    /** A single-job GET is a map lookup, whatever the number of jobs. */
    private final ConcurrentHashMap<String, SimJob> jobs = new ConcurrentHashMap<>();
    /** Jobs whose success work (a record change) has not run yet. */
    private final ConcurrentLinkedQueue<SimJob> pending = new ConcurrentLinkedQueue<>();
    /** Jobs not known to be finished, for {@link SimulatorStats#peakActiveJobs()}; guarded by itself. */
    private final List<SimJob> active = new ArrayList<>();

    JobTable(long retentionMs, String nodeName, AtomicLong seq, SimulatorStats stats, java.time.Clock clock) {
        this.clock = clock;
        this.retentionMs = retentionMs;
        this.nodeName = nodeName;
        this.seq = seq;
        this.stats = stats;
    }

    /** Number of jobs held (not yet deleted). */
    int size() {
        return jobs.size();
    }

    /** How often {@link #sweep()} should run: often enough to keep retention close, never busy. */
    long sweepEveryMs() {
        return Math.max(50, Math.min(5000, retentionMs / 4));
    }

    /** The full job object as ONTAP would answer it now, or empty if unknown or already deleted. */
    Optional<ObjectNode> job(String uuid) {
        long now = clock.millis();
        SimJob j = live(uuid, now);
        return j == null ? Optional.empty() : Optional.of(j.toJson(now));
    }

    /** The job's true end, to the millisecond, or empty while it runs or once deleted. */
    Optional<Instant> endInstant(String uuid) {
        long now = clock.millis();
        SimJob j = live(uuid, now);
        long end = j == null ? -1 : j.endMs(now);
        return end < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(end));
    }

    /**
     * Starts {@code scenario.jobs()} jobs at {@code now}; the first one carries {@code onSuccess} (null for none),
     * run once when it succeeds.
     */
    List<SimJob> start(String description, String svmName, String svmUuid, Scenario scenario, Runnable onSuccess, long now) {
        List<SimJob> started = new ArrayList<>(scenario.jobs());
        for (int i = 0; i < scenario.jobs(); i++) {
            SimJob j = new SimJob(UUID.randomUUID().toString(), seq.incrementAndGet(), description, nodeName, svmName, svmUuid, scenario, now);
            if (i == 0 && onSuccess != null) {
                j.onSuccess = onSuccess;
                pending.add(j);
            }
            jobs.put(j.uuid, j);
            started.add(j);
        }
        countActive(started);
        return started;
    }

    /** {@code GET /api/cluster/jobs/{uuid}}. */
    ObjectNode get(String uuid, QueryParams params) {
        Query q = new Query(params, FIELDS);
        long now = clock.millis();
        SimJob j = live(uuid, now);
        if (j == null) {
            throw ApiError.notFound("uuid");
        }
        j.settle(now);
        return q.project(j.toJson(now), null);
    }

    /** {@code GET /api/cluster/jobs}; {@code uuid=a|b|c} is answered by map lookups instead of a scan. */
    ObjectNode list(QueryParams params) {
        Query q = new Query(params, FIELDS);
        long now = clock.millis();
        Set<String> uuids = q.exactUuids();
        Iterable<SimJob> candidates;
        if (uuids != null) {
            List<SimJob> l = new ArrayList<>(uuids.size());
            for (String u : uuids) {
                SimJob j = jobs.get(u);
                if (j != null) {
                    l.add(j);
                }
            }
            candidates = l;
        } else {
            candidates = jobs.values();
        }
        List<Query.Item> items = new ArrayList<>();
        for (SimJob j : candidates) {
            if (deleteIfExpired(j, now)) {
                continue;
            }
            ObjectNode json = j.toJson(now);
            if (q.matches(json)) {
                items.add(new Query.Item(j.seq, json));
            }
        }
        return q.answer(PATH, items, List.of());
    }

    /** {@code PATCH /api/cluster/jobs/{uuid}?action=...}: checks uuid, action, then the job's own answer. */
    ObjectNode patch(String uuid, QueryParams params) {
        long now = clock.millis();
        SimJob j = live(uuid, now);
        if (j == null) {
            throw ApiError.notFound("uuid");
        }
        String action = params.get("action");
        if (action == null || !(action.equals("pause") || action.equals("resume") || action.equals("cancel"))) {
            throw new ApiError(400, OntapErrors.INVALID_VALUE, action == null
                    ? "Missing value for \"action\": use pause, resume or cancel."
                    : "The value \"" + action + "\" is invalid for field \"action\" (pause, resume, cancel).", "action");
        }
        switch (j.patch(action, now)) {
            case OK:
                return JsonNodeFactory.instance.objectNode();
            case TERMINAL:
                throw new ApiError(400, OntapErrors.JOB_TERMINAL, "Job is already in a terminal state.", "uuid");
            case CANCEL_UNSUPPORTED:
                throw new ApiError(400, OntapErrors.JOB_CANCEL_UNSUPPORTED, "This job does not support cancel.", "action");
            case PAUSE_UNSUPPORTED:
                throw new ApiError(400, OntapErrors.JOB_PAUSE_UNSUPPORTED, "This job does not support pause.", "action");
            case NOT_RUNNING:
                throw new ApiError(400, OntapErrors.JOB_NOT_RUNNING, "The specified job is not currently running.", "uuid");
            default:
                throw new ApiError(400, OntapErrors.JOB_IS_RUNNING, "The specified job is running.", "uuid");
        }
    }

    /** Runs the success work of every pending job that has succeeded by {@code now}: call before reading records. */
    void settlePending(long now) {
        if (pending.isEmpty()) {
            return;
        }
        pending.removeIf(j -> j.settle(now));
    }

    /** The periodic clean-up: settles pending jobs and deletes those past retention. Never throws. */
    void sweep() {
        try {
            long now = clock.millis();
            settlePending(now);
            jobs.values().removeIf(j -> {
                if (j.expired(now, retentionMs)) {
                    j.settle(now);
                    return true;
                }
                return false;
            });
        } catch (Throwable ignored) {
            // keep sweeping
        }
    }

    /** The job if present and not past retention (an expired one is deleted). */
    private SimJob live(String uuid, long now) {
        SimJob j = jobs.get(uuid);
        if (j == null) {
            j = jobs.get(uuid.toLowerCase());
        }
        if (j == null || deleteIfExpired(j, now)) {
            return null;
        }
        return j;
    }

    /** Deletes a job past retention, after running any success work it still owes; true if it was deleted. */
    private boolean deleteIfExpired(SimJob j, long now) {
        if (!j.expired(now, retentionMs)) {
            return false;
        }
        j.settle(now);
        jobs.remove(j.uuid, j);
        return true;
    }

    /**
     * Jobs only start here and end by the clock, so the number unfinished peaks right after a start: counting then
     * (only the unfinished ones, not every job held) gives the exact peak.
     */
    private void countActive(List<SimJob> started) {
        synchronized (active) {
            long now = clock.millis(); // read under the lock: concurrent starts count in clock order
            active.addAll(started);
            active.removeIf(j -> j.state(now).terminal());
            stats.activeJobs(active.size());
        }
    }
}

package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * One simulated job. No thread runs it: its state is derived from the clock (creation time, queued and running
 * durations, paused intervals, cancellation) whenever it is read. Mutations (pause/resume/cancel) lock the job.
 */
final class SimJob {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    enum State {
        QUEUED, RUNNING, PAUSED, SUCCESS, FAILURE;

        String json() {
            return name().toLowerCase();
        }

        boolean terminal() {
            return this == SUCCESS || this == FAILURE;
        }
    }

    /** What {@link #patch} answers. */
    enum PatchResult { OK, TERMINAL, CANCEL_UNSUPPORTED, PAUSE_UNSUPPORTED, NOT_RUNNING, IS_RUNNING }

    final String uuid;
    final long seq;
    final String description;
    final String nodeName;
    final String svmName;
    final String svmUuid;
    final Scenario scenario;
    final long createdMs;
    private final long queuedMs;
    private final long durationMs;

    /** Work to do once when the job succeeds (e.g. add the POSTed record to its collection); null if none. */
    volatile Runnable onSuccess;
    /**
     * {@code _links.results.href} of a multi-record POST's job: the collection with {@code ?job_results_uuid=<uuid>},
     * which answers the records the job created (NetApp's Python client follows it in {@code post_collection}).
     */
    volatile String resultsHref;

    private long pausedTotalMs;
    private long pausedSinceMs = -1;
    private long cancelledAtMs = -1;

    SimJob(String uuid, long seq, String description, String nodeName, String svmName, String svmUuid, Scenario scenario, long createdMs) {
        this.uuid = uuid;
        this.seq = seq;
        this.description = description;
        this.nodeName = nodeName;
        this.svmName = svmName;
        this.svmUuid = svmUuid;
        this.scenario = scenario;
        this.createdMs = createdMs;
        this.queuedMs = scenario.queued().toMillis();
        this.durationMs = scenario.duration().toMillis();
    }

    /** The state at {@code now} (epoch ms). */
    synchronized State state(long now) {
        if (cancelledAtMs >= 0) {
            return State.FAILURE;
        }
        if (pausedSinceMs >= 0) {
            return State.PAUSED;
        }
        long active = now - createdMs - pausedTotalMs;
        if (active < queuedMs) {
            return State.QUEUED;
        }
        if (scenario.runsUntilCancelled() || active < queuedMs + durationMs) {
            return State.RUNNING;
        }
        return scenario.fails() ? State.FAILURE : State.SUCCESS;
    }

    /** End time (epoch ms) if finished at {@code now}, else -1. */
    synchronized long endMs(long now) {
        if (cancelledAtMs >= 0) {
            return cancelledAtMs;
        }
        State s = state(now);
        return s.terminal() ? createdMs + pausedTotalMs + queuedMs + durationMs : -1;
    }

    /** True when finished and more than {@code retentionMs} past its end. */
    boolean expired(long now, long retentionMs) {
        long end = endMs(now);
        return end >= 0 && now >= end + retentionMs;
    }

    synchronized PatchResult patch(String action, long now) {
        State s = state(now);
        if (s.terminal()) {
            return PatchResult.TERMINAL;
        }
        switch (action) {
            case "cancel":
                if (scenario.cancelUnsupported()) {
                    return PatchResult.CANCEL_UNSUPPORTED;
                }
                if (pausedSinceMs >= 0) {
                    pausedTotalMs += now - pausedSinceMs;
                    pausedSinceMs = -1;
                }
                cancelledAtMs = now;
                return PatchResult.OK;
            case "pause":
                if (scenario.pauseUnsupported()) {
                    return PatchResult.PAUSE_UNSUPPORTED;
                }
                if (s != State.RUNNING) {
                    return PatchResult.NOT_RUNNING;
                }
                pausedSinceMs = now;
                return PatchResult.OK;
            case "resume":
                if (s != State.PAUSED) {
                    return PatchResult.IS_RUNNING;
                }
                pausedTotalMs += now - pausedSinceMs;
                pausedSinceMs = -1;
                return PatchResult.OK;
            default:
                throw new IllegalArgumentException(action);
        }
    }

    /**
     * Runs the job's success work once it has succeeded. Returns true once the job is finished (nothing left to
     * settle), false while it is still going.
     */
    boolean settle(long now) {
        Runnable work;
        synchronized (this) {
            State s = state(now);
            if (!s.terminal()) {
                return false;
            }
            work = s == State.SUCCESS ? onSuccess : null;
            onSuccess = null;
        }
        if (work != null) {
            work.run();
        }
        return true;
    }

    /** The full ONTAP job object at {@code now}. */
    synchronized ObjectNode toJson(long now) {
        State s = state(now);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("uuid", uuid);
        o.put("description", description);
        o.put("state", s.json());
        long code = 0;
        String message;
        ObjectNode error = null;
        switch (s) {
            case QUEUED:
                message = "Queued";
                break;
            case PAUSED:
                message = "Paused by user";
                break;
            case RUNNING:
                message = runningMessage(now);
                break;
            case SUCCESS:
                message = "Complete: Successful";
                break;
            default:
                if (cancelledAtMs >= 0) {
                    code = OntapErrors.JOB_CANCELLED;
                    message = OntapErrors.JOB_CANCELLED_MESSAGE;
                    error = error(code, message, "");
                } else {
                    code = scenario.failCode();
                    message = scenario.failMessage();
                    error = error(code, message, scenario.failTarget());
                }
        }
        o.put("message", message);
        o.put("code", code);
        if (error != null) {
            o.set("error", error);
        }
        long startMs = createdMs + queuedMs;
        if (s != State.QUEUED || cancelledAtMs >= 0) {
            o.put("start_time", time(Math.min(startMs, cancelledAtMs >= 0 ? cancelledAtMs : startMs)));
        }
        long end = endMs(now);
        if (end >= 0) {
            o.put("end_time", time(end));
        }
        o.putObject("node").put("name", nodeName);
        ObjectNode svm = o.putObject("svm");
        svm.put("name", svmName);
        svm.put("uuid", svmUuid);
        svm.putObject("_links").putObject("self").put("href", "/api/svm/svms/" + svmUuid);
        links(o);
        return o;
    }

    /** The short job link of a 202 answer. */
    ObjectNode link() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("uuid", uuid);
        links(o);
        return o;
    }

    private void links(ObjectNode o) {
        ObjectNode links = o.putObject("_links");
        links.putObject("self").put("href", "/api/cluster/jobs/" + uuid);
        if (resultsHref != null) {
            links.putObject("results").put("href", resultsHref);
        }
    }

    private String runningMessage(long now) {
        List<String> progress = scenario.progress();
        if (progress.isEmpty()) {
            return "Running";
        }
        long active = now - createdMs - pausedTotalMs - queuedMs;
        long slice = Math.max(1, durationMs / progress.size());
        int i = (int) Math.min(progress.size() - 1, Math.max(0, active / slice));
        return progress.get(i);
    }

    private static ObjectNode error(long code, String message, String target) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.putArray("arguments");
        e.put("code", String.valueOf(code));
        e.put("message", message);
        e.put("target", target);
        return e;
    }

    static String time(long epochMs) {
        return TIME.format(OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs / 1000 * 1000), ZoneOffset.UTC));
    }
}

package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.ontap.OntapResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels, pauses and resumes jobs ({@code PATCH /api/cluster/jobs/{uuid}?action=…}): of an operation this process
 * runs, of one it does not (through the repository), or any job by UUID; and records the steps of a cancel asked for
 * on request, so that whoever ends the operation ends it {@code cancelled}.
 */
final class JobControl {
    private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);
    /** The reason of an operation whose job was cancelled on request, whichever process took the request. */
    static final String CANCELLED_ON_REQUEST = "cancelled on request";

    private final OperationRepository repository;
    private final Function<String, Cluster> clusters;

    JobControl(OperationRepository repository, Function<String, Cluster> clusters) {
        this.repository = repository;
        this.clusters = clusters;
    }

    /** An operation this process runs ({@code run}), or, when {@code run} is null, one the repository knows. */
    CompletableFuture<ControlResult> control(OperationRun run, String id, String action) {
        if (run == null) {
            return controlStored(id, action);
        }
        if (run.result.isDone()) {
            return refused(409, "operation '" + id + "' has ended (" + run.snapshot().status() + ")");
        }
        List<String> running = run.state().runningJobs();
        if (running.isEmpty()) {
            return refused(409, "operation '" + id + "' has no job running yet");
        }
        boolean cancel = "cancel".equals(action);
        if (cancel) {
            run.cancelRequested(); // a step before the PATCH: the job's end, which comes after, sees it
        }
        return CompletableFuture.supplyAsync(() -> {
            if (cancel) { // for whoever ends it, should this process lose the cluster before the job ends
                recordCancel(id, OperationRepository.CancelStep.REQUESTED);
            }
            ControlResult last = null;
            for (String uuid : running) {
                last = patchJob(run.cluster, uuid, action);
                if (last.accepted()) {
                    run.cluster.tracker().pollSoon(uuid); // show the new state (paused, resumed, ended) quickly
                } else {
                    break;
                }
            }
            if (cancel && !last.accepted()) {
                run.cancelRefused();
            }
            if (cancel) {
                cancelAnswered(id, last);
            }
            return last;
        }, run.cluster.calls());
    }

    /**
     * An operation this process does not run: another process owns its cluster, or it ended before this one started.
     * The job is controlled from here, on this process's own connection to its cluster, rather than by the owner: the
     * caller gets ONTAP's answer (200, or 409 with ONTAP's code and message) as the owner would give it, at once, and
     * nothing depends on the owner being alive, on its next pick-up or on a second hop between processes (recording
     * the action for the owner to send instead could only answer 202, ONTAP's answer coming later). A cancel is
     * recorded in the repository before it is sent, so that the owner, seeing the job end, ends the operation
     * {@code cancelled} ("cancelled on request") and not {@code failed}, also after a takeover.
     */
    private CompletableFuture<ControlResult> controlStored(String id, String action) {
        StoredOperation s = repository.find(id).orElse(null);
        if (s == null) {
            return refused(404, "no operation '" + id + "'");
        }
        if (s.outcome() != null) {
            return refused(409, "operation '" + id + "' has ended (" + s.status() + ")");
        }
        // the jobs of the current attempt (a retry being sent still shows the last)
        List<String> jobs = "running".equals(s.status()) ? s.jobUuids() : List.of();
        if (jobs.isEmpty()) {
            return refused(409, "operation '" + id + "' has no job running yet");
        }
        // the UUIDs become part of the URL's path: only a UUID's characters, as ONTAP gave them
        if (!jobs.stream().allMatch(Job::isUuid)) {
            throw new IllegalStateException("stored jobs of " + id + " are not job UUIDs");
        }
        Cluster cluster;
        try {
            cluster = clusters.apply(s.cluster());
        } catch (InvalidRequestException e) { // not the caller's mistake: this process's configuration differs
            return refused(409, "operation '" + id + "' is on cluster '" + s.cluster() + "', which this process has no connection to");
        }
        boolean cancel = "cancel".equals(action);
        return CompletableFuture.supplyAsync(() -> {
            if (cancel && !recordCancel(id, OperationRepository.CancelStep.REQUESTED)) {
                return ControlResult.refused(503, null, null, "the cancel of operation '" + id + "' could not be recorded,"
                        + " so it was not sent; try again", null);
            }
            ControlResult answer = null;
            for (int i = 0; i < jobs.size(); i++) {
                ControlResult r = patchJob(cluster, jobs.get(i), action);
                if (r.accepted()) {
                    answer = r;
                } else if (!(jobHasEnded(r) && (i < jobs.size() - 1 || answer != null))) {
                    answer = r; // as the owner: the first refusal of a job still running is the answer
                    break;
                } // else a job of several that has ended: the owner would not have sent it either
            }
            if (cancel) {
                cancelAnswered(id, answer);
            }
            return answer;
        }, cluster.calls());
    }

    /** Sends {@code PATCH /api/cluster/jobs/{uuid}?action=…} on a job, whatever started it. */
    CompletableFuture<ControlResult> controlJob(String cluster, String uuid, String action) {
        // the UUID becomes part of the URL's path: only a UUID's characters, never a path of its own
        if (!Job.isUuid(uuid)) {
            throw new InvalidRequestException("CamelOntapJobUuid", "not a job UUID (hex digits and '-')");
        }
        Cluster c = clusters.apply(cluster);
        return CompletableFuture.supplyAsync(() -> patchJob(c, uuid, action), c.calls());
    }

    private static CompletableFuture<ControlResult> refused(int status, String message) {
        return CompletableFuture.completedFuture(ControlResult.refused(status, null, null, message, null));
    }

    /** ONTAP's answer to an action on a job that has ended: 458762 "already in a terminal state", or 404 once deleted. */
    private static boolean jobHasEnded(ControlResult r) {
        return "458762".equals(r.code()) || Integer.valueOf(404).equals(r.ontapStatus());
    }

    /**
     * Records ONTAP's answer to a cancel. Without one (the cluster unreachable, or no usable answer) the cancel may
     * or may not have reached the job: it stays requested, so a job that fails from now on ends cancelled.
     */
    private void cancelAnswered(String id, ControlResult answer) {
        if (answer.accepted()) {
            recordCancel(id, OperationRepository.CancelStep.ACCEPTED);
        } else if (answer.ontapStatus() != null) {
            recordCancel(id, OperationRepository.CancelStep.REFUSED);
        }
    }

    /** @return false when the repository could not record it */
    private boolean recordCancel(String id, OperationRepository.CancelStep step) {
        try {
            repository.cancelRequest(id, step);
            return true;
        } catch (RuntimeException e) {
            LOG.error("The cancel of {} ({}) could not be recorded: {}", id, step, e.getMessage());
            return false;
        }
    }

    static ControlResult patchJob(Cluster cluster, String uuid, String action) {
        try {
            OntapResponse r = cluster.client().call("PATCH", "/api/cluster/jobs/" + uuid, Map.of("action", action), "{}");
            LOG.info("{} of job {} {}", action, uuid, r.isSuccess() ? "accepted" : "refused: " + r.error().map(Object::toString).orElse("HTTP " + r.status()));
            if (r.isSuccess()) {
                return new ControlResult(200, true, null, null, uuid);
            }
            OntapError e = r.error().orElse(new OntapError(null, "HTTP " + r.status(), null));
            return ControlResult.refused(r.status() == 404 ? 404 : 409, r.status(), e.code(), e.message(), uuid);
        } catch (ClusterCallException e) {
            return ControlResult.refused(503, null, null, e.getMessage(), uuid);
        }
    }

    /** Cancels the job ({@link #patchJob}) and records what ONTAP said, for the outcome's {@code cancel}. */
    static ObjectNode cancelJob(Cluster cluster, String uuid, String why) {
        ControlResult r = patchJob(cluster, uuid, "cancel");
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("job", uuid);
        c.put("reason", why);
        c.put("accepted", r.accepted());
        if (r.ontapStatus() != null) {
            c.put("http_status", r.ontapStatus());
        }
        if (r.code() != null) {
            c.put("code", r.code());
        }
        if (r.message() != null) {
            c.put("message", r.message());
        }
        return c;
    }

    /** The last answer of cancels sent on timeout, and the jobs each accepted cancel left. */
    record Cancels(ObjectNode last, List<Job> finals) {
    }

    /** Cancels each job; after an accepted cancel, reads the job again (the outcome shows it as it ended). */
    static Cancels cancelAll(Cluster cluster, List<String> uuids, String why) {
        ObjectNode last = null;
        List<Job> finals = new java.util.ArrayList<>();
        for (String uuid : uuids) {
            last = cancelJob(cluster, uuid, why);
            Job after = last.path("accepted").asBoolean() ? readJob(cluster, uuid) : null;
            if (after != null) {
                finals.add(after);
            }
        }
        return new Cancels(last, finals);
    }

    /** The job as it is now (after an accepted cancel, the outcome shows it as it ended), or null if unreadable. */
    static Job readJob(Cluster cluster, String uuid) {
        try {
            OntapResponse r = cluster.client().get("/api/cluster/jobs/" + uuid, Map.of("fields", "uuid,state,code,message,error,start_time,end_time"));
            return r.isSuccess() && r.body() != null && r.body().hasNonNull("state") ? Job.from(r.body()) : null;
        } catch (ClusterCallException e) {
            LOG.debug("Job {} could not be read after its cancel: {}", uuid, e.getMessage());
            return null;
        }
    }
}

package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.outcome.Outcome;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An operation as its repository keeps it.
 *
 * @param request       the request document ({@link OperationRequest#toJson()})
 * @param status        accepted, triggering, running, or the outcome's word once ended
 * @param jobs          the job UUIDs of the current attempt, a JSON array (null before the cluster answered)
 * @param outcome       the outcome as CloudEvents JSON once ended, else null
 * @param cancelRequest a cancel asked for on request: {@code requested} (being sent to ONTAP), {@code accepted}
 *                      (ONTAP took it), or null (none, or ONTAP refused it); see {@link OperationRepository#cancelRequest}
 */
public record StoredOperation(String id, String cluster, String request, String status, int attempts, String jobs,
                              Instant acceptedAt, String outcome, String cancelRequest) {

    /** Without a cancel request. */
    public StoredOperation(String id, String cluster, String request, String status, int attempts, String jobs,
                           Instant acceptedAt, String outcome) {
        this(id, cluster, request, status, attempts, jobs, acceptedAt, outcome, null);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The job UUIDs of {@link #jobs()} (none before the cluster answered). */
    public List<String> jobUuids() {
        List<String> uuids = new ArrayList<>();
        try {
            JSON.readTree(jobs == null ? "[]" : jobs).forEach(n -> uuids.add(n.asText()));
        } catch (IOException e) {
            throw new IllegalStateException("stored jobs of " + id + " are unreadable", e);
        }
        return uuids;
    }

    /** Job UUIDs as {@link #jobs()} keeps them: a JSON array. */
    public static String jobsJson(List<String> uuids) {
        return JSON.valueToTree(uuids).toString();
    }

    /** The {@link #outcome()} read back, or null while not ended. */
    public Outcome readOutcome() {
        if (outcome == null) {
            return null;
        }
        try {
            JsonNode event = JSON.readTree(outcome);
            return Outcome.fromCloudEvent(event);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("stored outcome of " + id + " is unreadable", e);
        }
    }
}

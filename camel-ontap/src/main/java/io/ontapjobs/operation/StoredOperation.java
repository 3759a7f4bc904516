package io.ontapjobs.operation;

import java.time.Instant;

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
}

package io.ontapjobs.operation;

import java.time.Instant;

/**
 * An operation as its repository keeps it.
 *
 * @param request  the request document ({@link OperationRequest#toJson()})
 * @param status   accepted, triggering, running, or the outcome's word once ended
 * @param jobs     the job UUIDs of the current attempt, a JSON array (null before the cluster answered)
 * @param outcome  the outcome as CloudEvents JSON once ended, else null
 */
public record StoredOperation(String id, String cluster, String request, String status, int attempts, String jobs,
                              Instant acceptedAt, String outcome) {
}

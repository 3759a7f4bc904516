package io.ontapjobs.operation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the runner records each step of an operation, so that an id is never triggered twice and a restart can take
 * up what was left unfinished. The component uses the single {@code OperationRepository} bean of the registry, else
 * {@link InMemoryOperationRepository} (nothing survives the process). The service binds its database store.
 *
 * <p>Each method is called from the runner's threads and must be safe for concurrent use. A method that cannot record
 * the step throws: the runner then ends the operation (before a trigger) or logs and carries on (after it), except
 * for {@link OwnershipLostException}: then the runner drops the operation without ending it (another process has it).
 */
public interface OperationRepository {

    /** Records a request before anything is sent. @return false when the id is known already (nothing changes then) */
    boolean insert(String id, String cluster, String requestJson, Instant acceptedAt);

    /** Before a trigger is sent: if the process dies now, the trigger may or may not have reached the cluster. */
    void triggering(String id, int attempt);

    /** As soon as the cluster answered with job(s): {@code jobsJson} is a JSON array of UUIDs. */
    void running(String id, int attempts, String jobsJson);

    /** Records the outcome (CloudEvents JSON). {@code status} is the outcome's word (succeeded, failed, ...). */
    void end(String id, String status, String outcomeJson);

    Optional<StoredOperation> find(String id);

    /** Operations not ended (accepted, triggering, running), oldest first: what a restart takes up. */
    List<StoredOperation> unfinished();

    /** Operations of one cluster not ended, oldest first: what a process that gains the cluster takes up. */
    default List<StoredOperation> unfinished(String cluster) {
        return unfinished().stream().filter(o -> o.cluster().equals(cluster)).toList();
    }

    /** The latest operations, newest first, at most {@code limit}: for lists where other processes run some (default: none). */
    default List<StoredOperation> recent(int limit) {
        return List.of();
    }

    /** Operations of one cluster recorded and not yet sent, oldest first: what its owner picks up as they come. */
    default List<StoredOperation> accepted(String cluster) {
        return unfinished(cluster).stream().filter(o -> o.status().equals("accepted")).toList();
    }

    /** The steps of a cancel asked for on request (API, {@code operation=cancel}), as {@link #cancelRequest} records them. */
    enum CancelStep {
        /** Before the PATCH is sent: if the job ends now, it ended because of it. Never replaces an accepted one. */
        REQUESTED,
        /** ONTAP took it. */
        ACCEPTED,
        /** ONTAP refused it: a requested (not an accepted) cancel is forgotten. */
        REFUSED
    }

    /**
     * Records a cancel asked for on request, by whichever process took it, in {@link StoredOperation#cancelRequest}:
     * the cluster's owner (this process or another, now or after a takeover) ends the operation {@code cancelled}
     * rather than {@code failed} when its job fails after a requested or accepted cancel. Nothing is written for an
     * unknown or ended operation. Default: nothing is recorded (then only a cancel sent to the owner's own runner
     * ends its operation {@code cancelled}).
     */
    default void cancelRequest(String id, CancelStep step) {
    }
}

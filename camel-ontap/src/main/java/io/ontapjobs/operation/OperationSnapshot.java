package io.ontapjobs.operation;

import io.ontapjobs.ontap.Job;
import io.ontapjobs.outcome.Outcome;
import java.time.Instant;
import java.util.List;

/**
 * A live operation as it stands now, for read models (the service's API builds its JSON from it).
 *
 * @param cluster    its cluster's name
 * @param state      where it is (ENDED once it has its outcome)
 * @param jobs       every job seen, at its last known state
 * @param startedAt  when it was first sent (or taken up), or null while only accepted
 * @param lastPollAt when one of its jobs was last read, or null
 * @param outcome    its outcome once ended, else null
 */
public record OperationSnapshot(OperationRequest request, String cluster, OperationState state, List<Job> jobs, int attempts,
                                Instant acceptedAt, Instant startedAt, Instant lastPollAt, Outcome outcome) {

    /** Its state's word, or once ended its outcome's (succeeded, failed, ...): what the API shows and filters by. */
    public String status() {
        return outcome != null ? outcome.status().word() : state.word();
    }
}

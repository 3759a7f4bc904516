package io.ontapjobs.policy;

/** What happens to a job still running when the operation's timeout passes. */
public enum OnTimeout {
    /** {@code PATCH /api/cluster/jobs/{uuid}?action=cancel}; a refusal is recorded in the outcome. */
    CANCEL,
    /** Leave the job running on the cluster; the outcome is timed_out all the same. */
    ABANDON
}

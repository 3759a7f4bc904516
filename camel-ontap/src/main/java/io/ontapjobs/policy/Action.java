package io.ontapjobs.policy;

import java.util.Locale;

/** What a rule does when it matches. */
public enum Action {
    /** Treat the operation as succeeded (for example ONTAP's duplicate entry, code 1, when the goal is that it exists). */
    SUCCEED,
    /** End as failed at once. */
    FAIL,
    /** Trigger the whole operation again after a backoff, up to max-attempts; each attempt is a new job. */
    RETRY,
    /** Cancel the job on the cluster (useful on a message while it runs). */
    CANCEL;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.ontapjobs.outcome;

import java.util.Locale;

/** How an operation ended. */
public enum OutcomeStatus {
    /** The job succeeded, or a policy rule accepted its failure (for example a duplicate entry). */
    SUCCEEDED,
    /** The job failed, or the trigger got a server error. */
    FAILED,
    /** A person or a rule cancelled the job. */
    CANCELLED,
    /** The operation's timeout passed; the outcome says whether the job was cancelled. */
    TIMED_OUT,
    /** The job's end is unknown: it vanished, or the cluster could not be reached until the timeout. */
    LOST,
    /** The cluster refused the trigger (4xx, no job was started). */
    REJECTED;

    /** The lower-case word used in outcomes: {@code succeeded}, {@code timed_out}, ... */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.ontapjobs.operation;

import io.ontapjobs.outcome.OutcomeStatus;
import java.time.Duration;
import java.util.List;

/** What an operation does next, as the {@link Decider} says. */
public sealed interface Transition {

    /** Nothing to do: keep waiting. */
    record Stay() implements Transition {
    }

    /** Watch the jobs the cluster started. */
    record Track(List<String> jobs) implements Transition {
    }

    /**
     * Send the trigger again after {@code delay}: a new attempt (a policy's retry), or the same attempt again when the
     * cluster never took it ({@code newAttempt} false: not counted).
     *
     * @param unsentTries      the sends in a row the cluster did not take, this one included (0 for a new attempt)
     * @param unreachableSince when sends began to fail, to record (null while the cluster answers)
     * @param rule             the policy's rule that retries, or null for a resend
     */
    record Retry(Duration delay, boolean newAttempt, int unsentTries, Long unreachableSince, String why, String rule)
            implements Transition {
    }

    /** Send the trigger again now, as the same attempt (resumed mid-trigger, when that is safe). */
    record ResendNow(String why) implements Transition {
    }

    /**
     * The outcome. {@code unlessCancelRequested}: a failed job ends {@code cancelled} instead if the repository
     * records a cancel on request (sent by another process, or by this one before a restart).
     */
    record End(OutcomeStatus status, String reason, boolean unlessCancelRequested) implements Transition {
        public End(OutcomeStatus status, String reason) {
            this(status, reason, false);
        }
    }

    /** A cancel rule matched a running job: cancel it (once), and keep waiting for its end. */
    record CancelJob(String job, String reason) implements Transition {
    }

    /** The deadline passed: cancel these jobs, then end {@code timed_out} ({@link Decider#afterTimeoutCancel}). */
    record CancelOnTimeout(String what, List<String> jobs) implements Transition {
    }
}

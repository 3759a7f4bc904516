package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Action;
import io.ontapjobs.policy.Backoff;
import io.ontapjobs.policy.Decision;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.policy.Observation;
import io.ontapjobs.policy.OnTimeout;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.tracker.TrackResult;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Every decision of an operation, as one function of its state and what it observed
 * ({@link #next(RunState, long, RunEvent)}), like the acceptors of a waiter: the policy's rules first, then the
 * defaults (a failed job fails, a 4xx trigger is rejected, 401/403 name the credentials, a 5xx fails, a trigger the
 * cluster never took is sent again until unreachable-after or the deadline, one that may have arrived only if
 * idempotent or retry-unsafe, TLS is rejected). No clock, no I/O: the time is a parameter, and so is the random source
 * of the policy's backoff jitter.
 */
public final class Decider {
    /** Sending a trigger the cluster did not take: 500 ms doubling up to 30 s, no jitter. */
    static final Backoff UNSENT_BACKOFF = new Backoff(Duration.ofMillis(500), 2, Duration.ofSeconds(30), 0);
    static final String NOT_SENT_AGAIN = " (mark the request idempotent, or set retry-unsafe in its policy, to allow it)";

    private final Policy policy;
    private final boolean idempotent;
    private final String cluster;
    private final Duration unreachableAfter;
    private final Duration timeout;
    private final long deadline;
    private final RandomGenerator random;

    /**
     * @param timeout  the operation's timeout (its request's, else its policy's)
     * @param deadline when it ends, in {@code OntapClock#nanoTime()} terms
     */
    public Decider(Policy policy, boolean idempotent, String cluster, Duration unreachableAfter, Duration timeout, long deadline,
                   RandomGenerator random) {
        this.policy = policy;
        this.idempotent = idempotent;
        this.cluster = cluster;
        this.unreachableAfter = unreachableAfter;
        this.timeout = timeout;
        this.deadline = deadline;
        this.random = random;
    }

    /** What to do after {@code event}, in {@code state}, at {@code now} ({@code OntapClock#nanoTime()}). */
    public Transition next(RunState state, long now, RunEvent event) {
        if (event instanceof RunEvent.Answered a) {
            return answered(state, now, a);
        } else if (event instanceof RunEvent.NoAnswer n) {
            return noAnswer(state, now, n);
        } else if (event instanceof RunEvent.JobChanged c) {
            return changed(state, c.job());
        } else if (event instanceof RunEvent.Tracked t) {
            return tracked(state, now, t.results());
        }
        // resumed mid-trigger: as uncertain as a reset after sending, so the same rule decides
        return mayResend() ? new Transition.ResendNow(idempotent ? "idempotent request" : "retry-unsafe policy")
                : new Transition.End(OutcomeStatus.LOST, "the service stopped while the trigger was being sent; it may or may"
                        + " not have reached the cluster, so it is not sent again" + NOT_SENT_AGAIN);
    }

    private boolean mayResend() {
        return idempotent || policy.mayRetryUncertainTrigger();
    }

    private Transition answered(RunState state, long now, RunEvent.Answered a) {
        if (a.backPressure()) {
            return resend(state.unsentTries(), state.unreachableSince(), now,
                    "cluster answered " + a.status() + (a.error() != null ? " (" + a.error() + ")" : ""));
        }
        if (a.endedWithinCall() != null) { // return_timeout: the job ended within the call
            return ended(state, now, a.endedWithinCall());
        }
        if (!a.success()) {
            OntapError error = a.error() != null ? a.error() : new OntapError(null, null, null);
            Decision d = policy.decide(Observation.trigger(a.status(), error.code(), error.message()), state.attempts(), random);
            String what = "cluster answered HTTP " + a.status() + (error.code() != null ? " with " + error : "");
            if (d.action() == Action.RETRY) {
                return retry(now, d, what);
            } else if (d.action() == Action.SUCCEED) {
                return new Transition.End(OutcomeStatus.SUCCEEDED, what + "; accepted by " + d.reason());
            } else if (a.status() == 401 || a.status() == 403) {
                return new Transition.End(OutcomeStatus.REJECTED, what + ": check the cluster's username and password");
            }
            return new Transition.End(a.status() >= 500 ? OutcomeStatus.FAILED : OutcomeStatus.REJECTED,
                    d.action() == Action.FAIL ? what + "; " + d.reason() : what);
        }
        if (a.jobs().isEmpty()) { // 2xx with no job: the operation was synchronous
            return new Transition.End(OutcomeStatus.SUCCEEDED, null);
        }
        return new Transition.Track(a.jobs());
    }

    private Transition noAnswer(RunState state, long now, RunEvent.NoAnswer n) {
        return switch (n.kind()) {
            case TLS -> new Transition.End(OutcomeStatus.REJECTED, n.message());
            case NOT_SENT -> { // nothing was sent: a mistyped or dead address must not stall the caller until the timeout
                if (state.unreachableSince() != null && now - state.unreachableSince() >= unreachableAfter.toNanos()) {
                    yield new Transition.End(OutcomeStatus.LOST, "cluster " + cluster + " unreachable for "
                            + Durations.format(unreachableAfter) + " before the trigger was sent (nothing was sent): "
                            + n.message() + " (ontap.clusters." + cluster + ".unreachable-after)");
                }
                yield resend(state.unsentTries(), state.unreachableSince() != null ? state.unreachableSince() : now, now, n.message());
            }
            case UNCERTAIN -> mayResend() ? resend(state.unsentTries(), state.unreachableSince(), now, n.message())
                    : new Transition.End(OutcomeStatus.LOST, n.message() + "; the operation may or may not have started, so it"
                            + " is not sent again" + NOT_SENT_AGAIN);
        };
    }

    /** The cluster did not take the trigger: send it again after a backoff, until the deadline. */
    private Transition resend(int tries, Long since, long now, String why) {
        Duration delay = UNSENT_BACKOFF.delay(tries + 1);
        if (since != null) { // the last try falls on unreachable-after, not up to a backoff later
            long left = since + unreachableAfter.toNanos() - now;
            delay = Duration.ofNanos(Math.max(0, Math.min(delay.toNanos(), left)));
        }
        if (now + delay.toNanos() - deadline >= 0) {
            return new Transition.End(OutcomeStatus.LOST, "cluster not reachable until the timeout: " + why);
        }
        return new Transition.Retry(delay, false, tries + 1, since, why, null);
    }

    private Transition retry(long now, Decision d, String what) {
        if (now + d.delay().toNanos() - deadline >= 0) {
            return new Transition.End(OutcomeStatus.FAILED, what + "; no time left for a retry before the timeout");
        }
        return new Transition.Retry(d.delay(), true, 0, null, what, d.reason());
    }

    /** A running job: only a cancel rule acts, once. */
    private Transition changed(RunState state, Job job) {
        Decision d = policy.decide(observation(job), state.attempts(), random);
        return d.action() == Action.CANCEL && !state.cancelledByRule() ? new Transition.CancelJob(job.uuid(), d.reason())
                : new Transition.Stay();
    }

    private Transition tracked(RunState state, long now, List<TrackResult> results) {
        // a job never polled before its deadline (a slow trigger ate the time) is still cancelled, by the UUID the
        // trigger gave: the results are in the order of the current attempt's jobs
        List<String> timedOut = new java.util.ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            TrackResult r = results.get(i);
            if (r.end() == TrackResult.End.TIMED_OUT) {
                int index = state.attemptFirstJob() + i;
                timedOut.add(r.job() != null ? r.job().uuid()
                        : index < state.jobs().size() ? state.jobs().get(index).uuid() : null);
            }
        }
        if (!timedOut.isEmpty()) {
            String what = "timed out after " + timeout.toSeconds() + " s";
            return policy.onTimeout() == OnTimeout.ABANDON
                    ? new Transition.End(OutcomeStatus.TIMED_OUT, what + "; the job was left running (on-timeout: abandon)")
                    : new Transition.CancelOnTimeout(what, timedOut.stream().filter(java.util.Objects::nonNull).toList());
        }
        TrackResult vanished = results.stream().filter(r -> r.end() == TrackResult.End.VANISHED).findFirst().orElse(null);
        if (vanished != null) {
            return new Transition.End(OutcomeStatus.LOST, vanished.reason());
        }
        return ended(state, now, decidingJob(results));
    }

    /** Of finished jobs: the first that failed, else the last; null when one timed out or vanished. */
    public static Job decidingJob(List<TrackResult> results) {
        if (results.stream().anyMatch(r -> r.end() != TrackResult.End.FINISHED)) {
            return null;
        }
        return results.stream().map(TrackResult::job).filter(Job::isFailure).findFirst().orElse(results.get(results.size() - 1).job());
    }

    private Transition ended(RunState state, long now, Job job) {
        Decision d = policy.decide(observation(job), state.attempts(), random);
        if (d.action() == Action.RETRY) {
            return retry(now, d, "job " + job.uuid() + " " + job.state() + (job.code() != null && job.code() != 0 ? " with code " + job.code() : ""));
        } else if (d.action() == Action.SUCCEED) {
            return new Transition.End(OutcomeStatus.SUCCEEDED, job.isSuccess() ? null : "accepted by " + d.reason());
        } else if (d.action() == Action.FAIL || d.action() == Action.CANCEL) {
            return new Transition.End(OutcomeStatus.FAILED, d.reason());
        } else if (job.isSuccess()) {
            return new Transition.End(OutcomeStatus.SUCCEEDED, null);
        } else if (state.cancelledBy() != null) {
            return new Transition.End(OutcomeStatus.CANCELLED, state.cancelledBy());
        }
        return new Transition.End(OutcomeStatus.FAILED, "job failed with code " + job.code() + (job.message() != null ? ": " + job.message() : ""), true);
    }

    /** The end of a timed-out operation once its jobs' cancels were answered ({@code cancel}: the last answer, or null). */
    public static Transition.End afterTimeoutCancel(String what, JsonNode cancel) {
        boolean accepted = cancel != null && cancel.path("accepted").asBoolean();
        return new Transition.End(OutcomeStatus.TIMED_OUT, what + (accepted ? "; the job was cancelled" : "; the cancel was refused: "
                + (cancel == null ? "no job to cancel" : cancel.path("message").asText())));
    }

    private static Observation observation(Job job) {
        return Observation.job(job.state(), job.code(), job.errorCode(), job.message(), job.errorMessage());
    }
}

package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.ontap.ClusterCallException.Kind;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.tracker.TrackResult;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision table: every rule of what an operation does next, as (policy, state, time, observation) → transition.
 * The backoff's random draw is fixed at the middle of its range, so a retry's delay is its nominal one.
 */
class DeciderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Policies POLICIES = Policies.parse("""
            policies:
              default:
                timeout: 10s
              rules:
                timeout: 10s
                rules:
                  - when: {code: [1]}
                    then: succeed
                  - when: {code: [524486]}
                    then: retry
                    max-attempts: 3
                    backoff: 2s
                  - when: {http-status: [400]}
                    then: fail
                  - when: {message: "(?i).*abort me.*"}
                    then: cancel
              unsafe:
                timeout: 10s
                retry-unsafe: true
              abandon:
                timeout: 10s
                on-timeout: abandon
            """, "decider-test.yaml");
    static final String RULE1 = "rule 1 of policy 'rules' (line 7)";
    static final String RULE2 = "rule 2 of policy 'rules' (line 9)";
    static final String RULE3 = "rule 3 of policy 'rules' (line 13)";
    static final String RULE4 = "rule 4 of policy 'rules' (line 15)";
    static final long S = 1_000_000_000L;
    /** Every row's operation ends at 10 s. */
    static final long DEADLINE = 10 * S;
    /** nextDouble() = 0.5: the jitter's factor is 1. */
    static final RandomGenerator MIDDLE = () -> Long.MIN_VALUE;
    static final String MARK = " (mark the request idempotent, or set retry-unsafe in its policy, to allow it)";

    static Decider decider(String policy, boolean idempotent) {
        Policy p = POLICIES.get(policy);
        return new Decider(p, idempotent, "default", Duration.ofSeconds(30), p.timeout(), DEADLINE, MIDDLE);
    }

    static RunState attempt(int n) {
        return RunState.initial(OperationState.TRIGGERING, n);
    }

    static RunState unsent(int tries, Long since) {
        return attempt(1).unsent(tries, since);
    }

    static RunEvent.Answered answer(int status, String code, String message) {
        OntapError error = code == null && message == null ? null : new OntapError(code, message, null);
        return new RunEvent.Answered(status, status == 429 || status == 503, status < 300, error, null, List.of());
    }

    static RunEvent.Answered accepted(String... jobs) {
        return new RunEvent.Answered(202, false, true, null, null, List.of(jobs));
    }

    static RunEvent.Answered endedWithinCall(Job job) {
        return new RunEvent.Answered(201, false, true, null, job, List.of(job.uuid()));
    }

    static Job job(String uuid, String state, Long code, String message) {
        ObjectNode j = JSON.createObjectNode().put("uuid", uuid).put("state", state).put("message", message);
        if (code != null) {
            j.put("code", code);
        }
        return Job.from(j);
    }

    static RunEvent.Tracked finished(Job... jobs) {
        return new RunEvent.Tracked(Stream.of(jobs).map(j -> new TrackResult(TrackResult.End.FINISHED, j, 2, null)).toList());
    }

    static Transition.End end(OutcomeStatus status, String reason) {
        return new Transition.End(status, reason);
    }

    static Transition.Retry resend(long delayMillis, int tries, Long since, String why) {
        return new Transition.Retry(Duration.ofMillis(delayMillis), false, tries, since, why, null);
    }

    static Stream<Arguments> table() {
        Job running = job("u1", "running", null, "Creating");
        return Stream.of(
                // the trigger's answer
                row("202 with a job: track it", "default", attempt(1), S, accepted("u1"), new Transition.Track(List.of("u1"))),
                row("202 with two jobs: track both", "default", attempt(1), S, accepted("u1", "u2"), new Transition.Track(List.of("u1", "u2"))),
                row("2xx without a job: synchronous, succeeded", "default", attempt(1), S, answer(201, null, null),
                        end(OutcomeStatus.SUCCEEDED, null)),
                row("job ended within the call, success", "default", attempt(1), S, endedWithinCall(job("u1", "success", 0L, null)),
                        end(OutcomeStatus.SUCCEEDED, null)),
                row("job ended within the call, failed, retry rule", "rules", attempt(1), S,
                        endedWithinCall(job("u1", "failure", 524486L, "Volume busy")),
                        new Transition.Retry(Duration.ofSeconds(2), true, 0, null, "job u1 failure with code 524486",
                                RULE2 + ": retry, attempt 2 of 3")),
                row("4xx, retry rule", "rules", attempt(1), S, answer(409, "524486", "Volume busy"),
                        new Transition.Retry(Duration.ofSeconds(2), true, 0, null,
                                "cluster answered HTTP 409 with ONTAP error 524486: Volume busy", RULE2 + ": retry, attempt 2 of 3")),
                row("4xx, retry rule, second retry doubles", "rules", attempt(2), S, answer(409, "524486", "Volume busy"),
                        new Transition.Retry(Duration.ofSeconds(4), true, 0, null,
                                "cluster answered HTTP 409 with ONTAP error 524486: Volume busy", RULE2 + ": retry, attempt 3 of 3")),
                row("4xx, retry rule, attempts used up: rejected", "rules", attempt(3), S, answer(409, "524486", "Volume busy"),
                        end(OutcomeStatus.REJECTED, "cluster answered HTTP 409 with ONTAP error 524486: Volume busy; gave up after 3"
                                + " attempts (" + RULE2 + ")")),
                row("5xx, retry rule, attempts used up: failed", "rules", attempt(3), S, answer(500, "524486", "Volume busy"),
                        end(OutcomeStatus.FAILED, "cluster answered HTTP 500 with ONTAP error 524486: Volume busy; gave up after 3"
                                + " attempts (" + RULE2 + ")")),
                row("4xx, retry rule, no time left", "rules", attempt(1), 8 * S, answer(409, "524486", "Volume busy"),
                        end(OutcomeStatus.FAILED, "cluster answered HTTP 409 with ONTAP error 524486: Volume busy; no time left for a"
                                + " retry before the timeout")),
                row("4xx, succeed rule (duplicate entry)", "rules", attempt(1), S, answer(409, "1", "duplicate entry"),
                        end(OutcomeStatus.SUCCEEDED, "cluster answered HTTP 409 with ONTAP error 1: duplicate entry; accepted by "
                                + RULE1 + ": succeed")),
                row("4xx, fail rule: rejected, naming the rule", "rules", attempt(1), S, answer(400, "262197", "bad value"),
                        end(OutcomeStatus.REJECTED, "cluster answered HTTP 400 with ONTAP error 262197: bad value; " + RULE3 + ": fail")),
                row("4xx, no rule: rejected", "default", attempt(1), S, answer(404, "4", "entry doesn't exist"),
                        end(OutcomeStatus.REJECTED, "cluster answered HTTP 404 with ONTAP error 4: entry doesn't exist")),
                row("401: rejected, the credentials", "default", attempt(1), S, answer(401, null, null),
                        end(OutcomeStatus.REJECTED, "cluster answered HTTP 401: check the cluster's username and password")),
                row("403 with an error: rejected, the credentials", "rules", attempt(1), S, answer(403, "6", "not authorized"),
                        end(OutcomeStatus.REJECTED, "cluster answered HTTP 403 with ONTAP error 6: not authorized: check the cluster's"
                                + " username and password")),
                row("5xx, no rule: failed", "default", attempt(1), S, answer(500, null, null),
                        end(OutcomeStatus.FAILED, "cluster answered HTTP 500")),
                row("503: back-pressure, sent again (same attempt)", "default", attempt(1), S, answer(503, null, null),
                        resend(500, 1, null, "cluster answered 503")),
                row("429 after two resends: 500 ms again (an answer resets the unsent count)", "default",
                        unsent(2, null).answered(429), S, answer(429, "x", "slow down"),
                        resend(500, 1, null, "cluster answered 429 (ONTAP error x: slow down)")),
                row("not sent after two resends: the backoff grows", "default", unsent(2, S), 2 * S,
                        new RunEvent.NoAnswer(Kind.NOT_SENT, "refused"), resend(2000, 3, S, "refused")),
                row("503 with no time left: lost", "default", attempt(1), DEADLINE - 100_000_000L, answer(503, null, null),
                        end(OutcomeStatus.LOST, "cluster not reachable until the timeout: cluster answered 503")),
                // no answer
                row("not sent, first time: sent again, unreachable since now", "default", attempt(1), S,
                        new RunEvent.NoAnswer(Kind.NOT_SENT, "refused"), resend(500, 1, S, "refused")),
                row("not sent, 4 s before unreachable-after: the last try falls on it", "patient", unsent(5, 0L), 26 * S,
                        new RunEvent.NoAnswer(Kind.NOT_SENT, "refused"), resend(4000, 6, 0L, "refused")),
                row("not sent for unreachable-after: lost, nothing sent", "patient", unsent(7, 0L), 30 * S,
                        new RunEvent.NoAnswer(Kind.NOT_SENT, "refused"), end(OutcomeStatus.LOST, "cluster default unreachable for 30s"
                                + " before the trigger was sent (nothing was sent): refused (ontap.clusters.default.unreachable-after)")),
                row("not sent, the deadline first: lost", "default", unsent(3, 5 * S), 9 * S + 700_000_000L,
                        new RunEvent.NoAnswer(Kind.NOT_SENT, "refused"), end(OutcomeStatus.LOST, "cluster not reachable until the timeout: refused")),
                row("maybe received: not sent again", "default", attempt(1), S, new RunEvent.NoAnswer(Kind.UNCERTAIN, "reset"),
                        end(OutcomeStatus.LOST, "reset; the operation may or may not have started, so it is not sent again" + MARK)),
                row("maybe received, idempotent request: sent again", "default!", attempt(1), S,
                        new RunEvent.NoAnswer(Kind.UNCERTAIN, "reset"), resend(500, 1, null, "reset")),
                row("maybe received, retry-unsafe policy: sent again", "unsafe", attempt(1), S,
                        new RunEvent.NoAnswer(Kind.UNCERTAIN, "reset"), resend(500, 1, null, "reset")),
                row("certificate not trusted: rejected", "default", attempt(1), S, new RunEvent.NoAnswer(Kind.TLS, "untrusted"),
                        end(OutcomeStatus.REJECTED, "untrusted")),
                // a running job
                row("running job, cancel rule on its message: cancel it", "rules", attempt(1), S,
                        new RunEvent.JobChanged(job("u1", "running", null, "please abort me")),
                        new Transition.CancelJob("u1", RULE4 + ": cancel")),
                row("running job, cancel rule acted already: wait", "rules", attempt(1).cancelledBy("cancelled by x", true), S,
                        new RunEvent.JobChanged(job("u1", "running", null, "please abort me")), new Transition.Stay()),
                row("running job, no rule: wait", "rules", attempt(1), S, new RunEvent.JobChanged(running), new Transition.Stay()),
                // the jobs' ends
                row("job succeeded", "default", attempt(1), S, finished(job("u1", "success", 0L, null)), end(OutcomeStatus.SUCCEEDED, null)),
                row("job failed, no rule: failed unless a cancel was requested elsewhere", "default", attempt(1), S,
                        finished(job("u1", "failure", 9L, "boom")),
                        new Transition.End(OutcomeStatus.FAILED, "job failed with code 9: boom", true)),
                row("job failed after a cancel sent here: cancelled", "default", attempt(1).cancelledBy("cancelled on request", false), S,
                        finished(job("u1", "failure", 9L, "boom")), end(OutcomeStatus.CANCELLED, "cancelled on request")),
                row("job failed, succeed rule", "rules", attempt(1), S, finished(job("u1", "failure", 1L, "duplicate")),
                        end(OutcomeStatus.SUCCEEDED, "accepted by " + RULE1 + ": succeed")),
                row("job failed, cancel rule at its end: failed", "rules", attempt(1), S, finished(job("u1", "failure", 9L, "abort me")),
                        end(OutcomeStatus.FAILED, RULE4 + ": cancel")),
                row("job failed, retry rule", "rules", attempt(1), S, finished(job("u1", "failure", 524486L, "busy")),
                        new Transition.Retry(Duration.ofSeconds(2), true, 0, null, "job u1 failure with code 524486",
                                RULE2 + ": retry, attempt 2 of 3")),
                row("two jobs, one failed: the failed one decides", "default", attempt(1), S,
                        finished(job("u1", "success", 0L, null), job("u2", "failure", 9L, "boom"), job("u3", "success", 0L, null)),
                        new Transition.End(OutcomeStatus.FAILED, "job failed with code 9: boom", true)),
                row("deadline passed: cancel the job", "default", attempt(1), DEADLINE,
                        new RunEvent.Tracked(List.of(new TrackResult(TrackResult.End.TIMED_OUT, running, 3, "deadline passed"))),
                        new Transition.CancelOnTimeout("timed out after 10 s", List.of("u1"))),
                row("deadline passed before the job's first poll (a slow trigger): cancel it by the trigger's UUID", "default",
                        attempt(1).attemptJobs(List.of(io.ontapjobs.ontap.Job.unseen("u9"))), DEADLINE,
                        new RunEvent.Tracked(List.of(new TrackResult(TrackResult.End.TIMED_OUT, null, 0, "deadline passed"))),
                        new Transition.CancelOnTimeout("timed out after 10 s", List.of("u9"))),
                row("deadline passed, on-timeout abandon: timed out, job left running", "abandon", attempt(1), DEADLINE,
                        new RunEvent.Tracked(List.of(new TrackResult(TrackResult.End.TIMED_OUT, running, 3, "deadline passed"))),
                        end(OutcomeStatus.TIMED_OUT, "timed out after 10 s; the job was left running (on-timeout: abandon)")),
                row("job deleted before seen ending: lost", "default", attempt(1), S,
                        new RunEvent.Tracked(List.of(new TrackResult(TrackResult.End.VANISHED, running, 3, "job u1 vanished"))),
                        end(OutcomeStatus.LOST, "job u1 vanished")),
                // taken up after the service stopped mid-trigger
                row("stopped mid-trigger: not sent again", "default", attempt(1), S, new RunEvent.ResumedMidTrigger(),
                        end(OutcomeStatus.LOST, "the service stopped while the trigger was being sent; it may or may not have reached"
                                + " the cluster, so it is not sent again" + MARK)),
                row("stopped mid-trigger, idempotent request: sent again now", "default!", attempt(1), S,
                        new RunEvent.ResumedMidTrigger(), new Transition.ResendNow("idempotent request")),
                row("stopped mid-trigger, retry-unsafe policy: sent again now", "unsafe", attempt(1), S,
                        new RunEvent.ResumedMidTrigger(), new Transition.ResendNow("retry-unsafe policy")));
    }

    /** {@code policy} ending in {@code !}: the request is idempotent. "patient": the default policy with a 5 min timeout. */
    static Arguments row(String name, String policy, RunState state, long now, RunEvent event, Transition expected) {
        return Arguments.of(name, policy, state, now, event, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String name, String policy, RunState state, long now, RunEvent event, Transition expected) {
        Decider decider = switch (policy) {
            case "patient" -> new Decider(POLICIES.get("default"), false, "default", Duration.ofSeconds(30), Duration.ofMinutes(5),
                    Duration.ofMinutes(5).toNanos(), MIDDLE);
            default -> decider(policy.replace("!", ""), policy.endsWith("!"));
        };

        assertThat(decider.next(state, now, event)).isEqualTo(expected);
    }

    @Test
    void aTimedOutOperationEndsSayingWhatTheCancelGot() {
        ObjectNode accepted = JSON.createObjectNode().put("accepted", true);
        ObjectNode refused = JSON.createObjectNode().put("accepted", false).put("message", "job does not support cancel");

        assertThat(Decider.afterTimeoutCancel("timed out after 10 s", accepted))
                .isEqualTo(end(OutcomeStatus.TIMED_OUT, "timed out after 10 s; the job was cancelled"));
        assertThat(Decider.afterTimeoutCancel("timed out after 10 s", refused))
                .isEqualTo(end(OutcomeStatus.TIMED_OUT, "timed out after 10 s; the cancel was refused: job does not support cancel"));
        assertThat(Decider.afterTimeoutCancel("timed out after 10 s", null))
                .isEqualTo(end(OutcomeStatus.TIMED_OUT, "timed out after 10 s; the cancel was refused: no job to cancel"));
    }

    @Test
    void theDecidingJobIsTheFirstFailedElseTheLast() {
        Job ok1 = job("u1", "success", 0L, null);
        Job ok2 = job("u2", "success", 0L, null);
        Job failed = job("u3", "failure", 9L, "boom");

        assertThat(Decider.decidingJob(finished(ok1, ok2).results())).isEqualTo(ok2);
        assertThat(Decider.decidingJob(finished(ok1, failed, ok2).results())).isEqualTo(failed);
        assertThat(Decider.decidingJob(List.of(new TrackResult(TrackResult.End.VANISHED, ok1, 1, "gone")))).isNull();
    }
}

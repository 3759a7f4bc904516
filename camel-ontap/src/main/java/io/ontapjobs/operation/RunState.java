package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.ontap.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One operation's state, immutable: each step of its {@link OperationRun} replaces it with the next
 * ({@code state = step(state, event)}).
 *
 * @param attempts          attempts made so far; a trigger the cluster never took is sent again as the same attempt
 * @param jobs              every job seen, in the order started, at its last known state
 * @param attemptFirstJob   where the current attempt's jobs begin in {@code jobs}
 * @param unsentTries       sends in a row the cluster did not take (not sent, back-pressure): the resend backoff's step
 * @param unreachableSince  when a trigger could first not be sent, in {@code OntapClock#nanoTime()} terms; null while
 *                          the cluster answers
 * @param httpStatus        the trigger's last HTTP status
 * @param cancelledBy       why a cancel was sent (by a rule, or on request), for a job that fails afterwards
 * @param cancelledByRule   a cancel rule acted already (it acts once)
 * @param cancel            the answer to the last cancel sent (rule or timeout), for the outcome
 * @param abandoned         dropped without an end: no step of it runs any more
 */
public record RunState(OperationState state, int attempts, int polls, List<Job> jobs, int attemptFirstJob, int unsentTries,
                       Long unreachableSince, Integer httpStatus, String cancelledBy, boolean cancelledByRule, JsonNode cancel,
                       Instant startedAt, Instant lastPollAt, boolean abandoned) {

    public RunState {
        jobs = List.copyOf(jobs);
    }

    static RunState initial(OperationState state, int attempts) {
        return new RunState(state, attempts, 0, List.of(), 0, 0, null, null, null, false, null, null, null, false);
    }

    /** Moves on to {@code next}, unless the operation has ended meanwhile. */
    RunState moveTo(OperationState next) {
        return state == OperationState.ENDED ? this : with(next, attempts);
    }

    RunState with(OperationState next, int attempts) {
        return new RunState(next, attempts, polls, jobs, attemptFirstJob, unsentTries, unreachableSince, httpStatus, cancelledBy,
                cancelledByRule, cancel, startedAt, lastPollAt, abandoned);
    }

    /** A trigger is being sent: a new attempt, or the same one again when the cluster never took the last send. */
    RunState triggering(boolean newAttempt) {
        return state == OperationState.ENDED ? this : with(OperationState.TRIGGERING, newAttempt ? attempts + 1 : attempts);
    }

    RunState started(Instant at) {
        return new RunState(state, attempts, polls, jobs, attemptFirstJob, unsentTries, unreachableSince, httpStatus, cancelledBy,
                cancelledByRule, cancel, at, lastPollAt, abandoned);
    }

    /** The cluster answered the trigger: it is reachable again. */
    RunState answered(int status) {
        return new RunState(state, attempts, polls, jobs, attemptFirstJob, 0, null, status, cancelledBy, cancelledByRule, cancel,
                startedAt, lastPollAt, abandoned);
    }

    /** A send the cluster did not take, to be sent again. */
    RunState unsent(int tries, Long since) {
        return new RunState(state, attempts, polls, jobs, attemptFirstJob, tries, since, httpStatus, cancelledBy, cancelledByRule,
                cancel, startedAt, lastPollAt, abandoned);
    }

    /** The jobs of a new attempt, appended to those of the earlier ones. */
    RunState attemptJobs(List<Job> added) {
        List<Job> all = new ArrayList<>(jobs);
        all.addAll(added);
        return new RunState(state, attempts, polls, all, jobs.size(), unsentTries, unreachableSince, httpStatus, cancelledBy,
                cancelledByRule, cancel, startedAt, lastPollAt, abandoned);
    }

    RunState job(int index, Job job) {
        List<Job> all = new ArrayList<>(jobs);
        all.set(index, job);
        return withJobs(all);
    }

    /** Every job with {@code job}'s UUID at {@code job}'s state. */
    RunState jobByUuid(Job job) {
        return withJobs(jobs.stream().map(j -> job.uuid().equals(j.uuid()) ? job : j).toList());
    }

    private RunState withJobs(List<Job> all) {
        return new RunState(state, attempts, polls, all, attemptFirstJob, unsentTries, unreachableSince, httpStatus, cancelledBy,
                cancelledByRule, cancel, startedAt, lastPollAt, abandoned);
    }

    RunState polled(int more, Instant at) {
        return new RunState(state, attempts, polls + more, jobs, attemptFirstJob, unsentTries, unreachableSince, httpStatus,
                cancelledBy, cancelledByRule, cancel, startedAt, at != null ? at : lastPollAt, abandoned);
    }

    RunState cancelledBy(String why, boolean byRule) {
        return new RunState(state, attempts, polls, jobs, attemptFirstJob, unsentTries, unreachableSince, httpStatus, why,
                cancelledByRule || byRule, cancel, startedAt, lastPollAt, abandoned);
    }

    RunState cancel(JsonNode answer) {
        return new RunState(state, attempts, polls, jobs, attemptFirstJob, unsentTries, unreachableSince, httpStatus, cancelledBy,
                cancelledByRule, answer, startedAt, lastPollAt, abandoned);
    }

    RunState abandon() {
        return new RunState(state, attempts, polls, jobs, attemptFirstJob, unsentTries, unreachableSince, httpStatus, cancelledBy,
                cancelledByRule, cancel, startedAt, lastPollAt, true);
    }

    /** Of the current attempt's jobs: the one that failed, else the last. */
    Job decidingJob() {
        List<Job> last = jobs.subList(Math.min(attemptFirstJob, jobs.size()), jobs.size());
        return last.stream().filter(Job::isFailure).findFirst().orElse(last.isEmpty() ? null : last.get(last.size() - 1));
    }

    /** The jobs not finished yet (those a cancel, pause or resume acts on). */
    List<String> runningJobs() {
        return jobs.stream().filter(j -> !j.isFinished()).map(Job::uuid).toList();
    }
}

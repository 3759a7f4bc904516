package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.tracker.JobListener;
import io.ontapjobs.tracker.TrackResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One operation's state machine: each step takes the {@link RunState} and an event (started, the trigger's answer,
 * a job's change, the jobs' ends, a cancel asked for, a drop), asks the {@link Decider} what follows, and replaces the
 * state. Steps run one at a time ({@link SerialSteps}); REST calls run on the cluster's pool and come back as steps.
 */
final class OperationRun {
    private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class); // the runner's log lines, as before

    final OperationRequest request;
    final Cluster cluster;
    final Policy policy;
    final Instant acceptedAt;
    final CompletableFuture<Outcome> result = new CompletableFuture<>();
    private final long deadline;
    private final Decider decider;
    private final RunContext context;
    private final SerialSteps steps = new SerialSteps();
    /** Written by steps only (one at a time); published for readers of other threads (API, gauges, control). */
    private volatile RunState state;

    OperationRun(OperationRequest request, Cluster cluster, Policy policy, Instant acceptedAt, RunState initial, RunContext context) {
        this.request = request;
        this.cluster = cluster;
        this.policy = policy;
        this.acceptedAt = acceptedAt;
        this.context = context;
        this.state = initial;
        Duration timeout = request.timeout() != null ? request.timeout() : policy.timeout();
        // the timeout counts from acceptance, across restarts too
        Duration left = Duration.between(context.clock().now(), acceptedAt.plus(timeout));
        this.deadline = context.clock().nanoTime() + Math.max(0, left.toNanos());
        this.decider = new Decider(policy, request.idempotent(), cluster.name(), cluster.config().unreachableAfter(), timeout,
                deadline, context.random());
    }

    RunState state() {
        return state;
    }

    OperationSnapshot snapshot() {
        RunState s = state;
        return new OperationSnapshot(request, cluster.name(), s.state(), s.jobs(), s.attempts(), acceptedAt, s.startedAt(),
                s.lastPollAt(), result.getNow(null));
    }

    // ---- events from outside: each becomes a step ----

    /** {@code run()}: sends the first trigger, unless it was started (or taken up) before. */
    void start() {
        step(() -> {
            if (state.state() == OperationState.ACCEPTED) {
                state = state.started(context.clock().now());
                attempt(true);
            }
        });
    }

    /** Taken up from the repository in {@code stored} state (see {@link OperationRunner#resume}). */
    void resume(OperationState stored, List<String> jobs) {
        step(() -> {
            switch (stored) {
                case ACCEPTED -> attempt(true);
                case TRIGGERING -> {
                    Transition t = decider.next(state, context.clock().nanoTime(), new RunEvent.ResumedMidTrigger());
                    if (t instanceof Transition.ResendNow r) {
                        LOG.info("Resuming operation {}: the service stopped while sending its trigger; sending it again ({})",
                                request.id(), r.why());
                    }
                    apply(t);
                }
                default -> {
                    LOG.info("Resuming operation {}: watching job {}", request.id(), String.join(", ", jobs));
                    track(jobs);
                }
            }
        });
    }

    /** A cancel was asked for on request: a job that fails from now on ends the operation cancelled. */
    void cancelRequested() {
        step(() -> state = state.cancelledBy(JobControl.CANCELLED_ON_REQUEST, false));
    }

    /** ONTAP refused the cancel asked for: a job that fails still fails. */
    void cancelRefused() {
        step(() -> state = state.cancelledBy(null, false));
    }

    /** Dropped here without an end (its cluster is no longer owned here). */
    void release(String why) {
        step(() -> abandon(why));
    }

    // ---- steps ----

    /** Runs {@code body} as this operation's next step: whatever it throws ends the operation with a clear outcome. */
    private void step(Runnable body) {
        steps.execute(() -> withMdc(null, () -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                failedUnexpectedly(e);
            }
        }));
    }

    private void failedUnexpectedly(Throwable e) {
        LOG.error("Operation {} failed unexpectedly", request.id(), e);
        if (!result.isDone()) {
            end(state.state() == OperationState.ACCEPTED ? OutcomeStatus.FAILED : OutcomeStatus.LOST,
                    "failed unexpectedly inside the service (" + e + "); see its log");
        }
    }

    /** A REST call on the cluster's pool; what it throws ends the operation, as a step's would. */
    private void call(Runnable body) {
        cluster.calls().execute(() -> withMdc(null, () -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                step(() -> failedUnexpectedly(e));
            }
        }));
    }

    private boolean inactive() {
        return state.abandoned() || result.isDone();
    }

    private void attempt(boolean newAttempt) {
        if (inactive()) {
            return;
        }
        state = state.triggering(newAttempt);
        int attempt = state.attempts();
        call(() -> trigger(attempt));
    }

    /** On the pool: records the attempt, sends the trigger, and hands the answer to the next step. */
    private void trigger(int attempt) {
        try {
            context.repository().triggering(request.id(), attempt); // from here until the answer, a crash leaves it uncertain
        } catch (OwnershipLostException e) {
            step(() -> abandon(e.getMessage())); // never sent: another process has it, or it has ended
            return;
        } catch (RuntimeException e) {
            step(() -> end(OutcomeStatus.FAILED, "the store could not record the trigger, so it was not sent: " + e.getMessage()));
            return;
        }
        Map<String, String> query = new LinkedHashMap<>(request.query());
        Integer returnTimeout = request.returnTimeout() != null ? request.returnTimeout() : policy.returnTimeout();
        if (returnTimeout != null) {
            query.put("return_timeout", String.valueOf(returnTimeout));
        }
        OntapResponse response;
        try {
            response = cluster.client().call(request.method(), request.path(), query, request.bodyText());
        } catch (ClusterCallException e) {
            step(() -> decide(new RunEvent.NoAnswer(e.kind(), e.getMessage())));
            return;
        } catch (RuntimeException e) {
            LOG.error("Trigger of {} {} failed unexpectedly", request.method(), request.path(), e);
            step(() -> end(OutcomeStatus.LOST, "trigger failed unexpectedly: " + e));
            return;
        }
        step(() -> answered(response));
    }

    private void answered(OntapResponse response) {
        if (inactive()) {
            return;
        }
        state = state.answered(response.status());
        RunEvent.Answered answer = RunEvent.Answered.of(response);
        Job embedded = answer.endedWithinCall();
        if (!answer.backPressure() && embedded != null) {
            state = state.attemptJobs(List.of(embedded));
            LOG.info("Job {} ended within the call: {}", embedded.uuid(), embedded.state());
            logEnded(embedded);
        }
        Transition t = decider.next(state, context.clock().nanoTime(), answer);
        if (!(t instanceof Transition.Track track)) {
            apply(t);
            return;
        }
        List<String> uuids = track.jobs();
        try {
            context.repository().running(request.id(), state.attempts(), StoredOperation.jobsJson(uuids));
        } catch (OwnershipLostException e) { // its new owner decides what became of this trigger
            abandon(e.getMessage() + " (job " + String.join(", ", uuids) + " was started)");
            return;
        } catch (RuntimeException e) { // the job runs whatever the store says: keep watching it
            LOG.error("The store could not record job {} of {}: {}; watching it all the same", uuids, request.id(), e.getMessage());
        }
        LOG.info("Triggered {} {} (attempt {}): job {}", request.method(), request.path(), state.attempts(), String.join(", ", uuids));
        track(uuids);
    }

    private void decide(RunEvent event) {
        if (!inactive()) {
            apply(decider.next(state, context.clock().nanoTime(), event));
        }
    }

    /** Watches the jobs of this attempt; when all have ended (or the deadline passed), decides. */
    private void track(List<String> uuids) {
        if (inactive()) {
            return;
        }
        state = state.moveTo(OperationState.RUNNING).attemptJobs(uuids.stream().map(Job::unseen).toList());
        int first = state.attemptFirstJob();
        List<CompletableFuture<TrackResult>> waits = new ArrayList<>();
        for (int i = 0; i < uuids.size(); i++) {
            int index = first + i;
            waits.add(cluster.tracker().track(uuids.get(i), policy.poll(), deadline, new JobListener() {
                @Override
                public void changed(Job job) {
                    step(() -> progress(index, job));
                }

                @Override
                public void polled(Job job) {
                    Instant at = context.clock().now();
                    step(() -> state = state.polled(0, at));
                }
            }));
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, error) -> step(() -> tracked(first, waits.stream().map(CompletableFuture::join).toList())));
    }

    /** A job changed while running: log it, and let a cancel rule act on its message. */
    private void progress(int index, Job job) {
        if (inactive()) {
            return;
        }
        state = state.job(index, job);
        withMdc(job.uuid(), () -> {
            LOG.info("Job {} {}{}", job.uuid(), job.state(), job.message() != null ? ": " + job.message() : "");
            apply(decider.next(state, context.clock().nanoTime(), new RunEvent.JobChanged(job)));
        });
    }

    private void tracked(int first, List<TrackResult> results) {
        int polls = 0;
        for (int i = 0; i < results.size(); i++) {
            TrackResult r = results.get(i);
            if (r.job() != null) {
                state = state.job(first + i, r.job());
            }
            polls += r.polls();
        }
        state = state.polled(polls, null);
        if (inactive()) {
            return;
        }
        Job deciding = Decider.decidingJob(results);
        if (deciding != null) {
            logEnded(deciding);
        }
        apply(decider.next(state, context.clock().nanoTime(), new RunEvent.Tracked(results)));
    }

    private static void logEnded(Job job) {
        LOG.info("Job {} {}{}", job.uuid(), job.state(), job.isFailure() ? " with code " + job.code() + ": " + job.message() : "");
    }

    /** Carries out what the decider said. */
    private void apply(Transition t) {
        if (t instanceof Transition.Retry r) {
            if (r.newAttempt()) {
                LOG.info("{}; retrying in {} ms ({})", r.why(), r.delay().toMillis(), r.rule());
            } else {
                LOG.warn("{}; sending the trigger again in {} ms", r.why(), r.delay().toMillis());
                state = state.unsent(r.unsentTries(), r.unreachableSince());
            }
            context.clock().schedule(() -> step(() -> attempt(r.newAttempt())), r.delay());
        } else if (t instanceof Transition.ResendNow) {
            attempt(false);
        } else if (t instanceof Transition.Track track) {
            track(track.jobs());
        } else if (t instanceof Transition.End e) {
            if (e.unlessCancelRequested() && cancelRequestedElsewhere()) {
                end(OutcomeStatus.CANCELLED, JobControl.CANCELLED_ON_REQUEST);
            } else {
                end(e.status(), e.reason());
            }
        } else if (t instanceof Transition.CancelJob c) {
            LOG.info("Cancelling job {}: {}", c.job(), c.reason());
            state = state.cancelledBy("cancelled by " + c.reason(), true);
            call(() -> {
                JsonNode answer = JobControl.cancelJob(cluster, c.job(), c.reason());
                step(() -> state = state.cancel(answer));
            });
        } else if (t instanceof Transition.CancelOnTimeout c) {
            call(() -> cancelOnTimeout(c));
        }
    }

    /** On the pool: cancels the timed-out jobs, reads each cancelled one's final state, then ends timed_out. */
    private void cancelOnTimeout(Transition.CancelOnTimeout c) {
        JobControl.Cancels cancels = JobControl.cancelAll(cluster, c.jobs(), c.what());
        step(() -> {
            if (cancels.last() != null) {
                state = state.cancel(cancels.last());
            }
            cancels.finals().forEach(j -> state = state.jobByUuid(j));
            apply(Decider.afterTimeoutCancel(c.what(), state.cancel()));
        });
    }

    /**
     * A cancel sent through another process (or through this one before a restart or takeover), as the repository
     * records it: read only when a job failed and nothing here explains it.
     */
    private boolean cancelRequestedElsewhere() {
        try {
            return context.repository().find(request.id()).map(StoredOperation::cancelRequest).isPresent();
        } catch (RuntimeException e) {
            LOG.warn("Could not read whether {} was cancelled on request: {}", request.id(), e.getMessage());
            return false;
        }
    }

    private void end(OutcomeStatus status, String reason) {
        if (result.isDone() || state.abandoned()) {
            return; // one outcome per operation
        }
        RunState s = state;
        Outcome outcome = new Outcome(request.id(), cluster.name(), request.method(), request.path(), status, s.decidingJob(),
                s.jobs(), s.attempts(), s.polls(), s.httpStatus(), reason, s.cancel(), context.clock().now(),
                request.requestedBy(), cluster.simulator(), request.query());
        try {
            context.repository().end(request.id(), status.word(), outcome.toJson());
        } catch (OwnershipLostException e) { // ended elsewhere, or by a newer owner: its outcome stands, not this one
            abandon(e.getMessage() + "; outcome " + status.word() + " dropped");
            return;
        } catch (RuntimeException e) { // the caller still gets it; the next start takes the operation up again
            LOG.error("Outcome of {} could not be stored: {}", request.id(), e.getMessage());
        }
        context.published(outcome);
        state = state.with(OperationState.ENDED, s.attempts());
        result.complete(outcome);
    }

    /**
     * Drops this run without ending it: its jobs are no longer polled here, and its callers get the outcome the
     * store holds, or will hold once the cluster's owner records it.
     */
    private void abandon(String why) {
        if (state.abandoned()) {
            return;
        }
        state = state.abandon();
        context.dropped().accept(this);
        state.jobs().forEach(j -> cluster.tracker().forget(j.uuid()));
        LOG.warn("Operation {} dropped here, not ended: {}", request.id(), why);
        CompletableFuture<Outcome> elsewhere;
        try {
            Outcome stored = context.repository().find(request.id()).map(StoredOperation::readOutcome).orElse(null);
            elsewhere = stored != null ? CompletableFuture.completedFuture(stored) : context.ownership().get().outcome(request.id());
        } catch (RuntimeException e) {
            elsewhere = CompletableFuture.failedFuture(e);
        }
        elsewhere.whenComplete((o, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(o);
            }
        });
    }

    private void withMdc(String jobUuid, Runnable r) {
        RunContext.withMdc(request.id(), jobUuid, r);
    }
}

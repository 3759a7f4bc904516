package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.JobLinks;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import io.ontapjobs.policy.Action;
import io.ontapjobs.policy.Backoff;
import io.ontapjobs.policy.Decision;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.policy.Observation;
import io.ontapjobs.policy.OnTimeout;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.time.OntapClock;
import io.ontapjobs.tracker.TrackResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import io.ontapjobs.tracker.JobListener;
import io.ontapjobs.outcome.OutcomeListener;
import io.ontapjobs.metrics.OntapMetrics;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs operations to their outcome: trigger, await the job(s) through the cluster's tracker, let the policy decide
 * (retry, succeed, fail, cancel), and on timeout cancel the job. Nothing here waits on a thread: REST calls run on
 * the cluster's bounded pool, waiting is the tracker's, and retries are scheduled on the {@link OntapClock}, which also
 * gives every timestamp and deadline.
 */
public class OperationRunner {
    private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Sending a trigger the cluster did not take: 500 ms doubling up to 30 s, no jitter. */
    private static final Backoff UNREACHABLE_BACKOFF = new Backoff(Duration.ofMillis(500), 2, Duration.ofSeconds(30), 0);

    /** Ended operations kept for lookups and duplicate detection (the durable store keeps them all). */
    static final int KEEP = 10_000;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final OntapMetrics metrics;
    private final OperationRepository repository;
    private final List<OutcomeListener> listeners;
    private final Function<String, Cluster> clusters;
    private final Function<String, Policy> policies;
    private final OntapClock clock;
    private final RandomGenerator random;
    private volatile ClusterOwnership ownership = ClusterOwnership.EVERYTHING;
    /** Ids being recorded by {@link #accept} and not yet in {@link #runs}: not to be picked up from the store meanwhile. */
    private final java.util.Set<String> accepting = ConcurrentHashMap.newKeySet();

    /**
     * @param clusters   a cluster by name; throws {@link InvalidRequestException} for an unknown one
     * @param policies   a policy by name ({@code null} = default); throws for an unknown one
     * @param repository where each step is recorded (see {@link OperationRepository})
     * @param listeners  told of each outcome once it is recorded
     */
    public OperationRunner(Function<String, Cluster> clusters, Function<String, Policy> policies, OntapClock clock,
                           RandomGenerator random, OperationRepository repository, List<OutcomeListener> listeners,
                           OntapMetrics metrics) {
        this.metrics = metrics;
        this.clusters = clusters;
        this.policies = policies;
        this.clock = clock;
        this.random = random;
        this.repository = java.util.Objects.requireNonNull(repository, "repository");
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Which clusters this process runs operations on (default: all). Requests of other clusters are recorded only,
     * and {@link #run} awaits their outcome through {@link ClusterOwnership#outcome}.
     */
    public void ownership(ClusterOwnership ownership) {
        this.ownership = java.util.Objects.requireNonNull(ownership, "ownership");
    }

    /**
     * Starts the operation; the future completes with its outcome, never exceptionally for what the cluster did.
     *
     * @throws InvalidRequestException for an unknown cluster or policy, before anything is sent
     */
    public CompletableFuture<Outcome> run(OperationRequest request) {
        Run run = runs.get(request.id());
        if (run == null) {
            accept(request); // refuses another requester's id
            run = runs.get(request.id());
        } else {
            checkRequester(request, run.request.requestedBy());
        }
        if (run == null) { // ended in an earlier run of the service: its outcome stands
            String stored = repository.find(request.id()).map(StoredOperation::outcome).orElse(null);
            if (stored == null && ownership != ClusterOwnership.EVERYTHING) {
                return ownership.outcome(request.id()); // recorded; its cluster's owner runs it
            }
            if (stored == null) {
                throw new InvalidRequestException("id", "operation '" + request.id() + "' exists and has not ended");
            }
            try {
                return CompletableFuture.completedFuture(Outcome.fromCloudEvent(JSON.readTree(stored)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("stored outcome of " + request.id() + " is unreadable", e);
            }
        }
        if (run.state.compareAndSet(OperationState.ACCEPTED, OperationState.TRIGGERING)) {
            run.startedAt = clock.now();
            run.attempt();
        }
        return run.result; // an id seen before is never triggered again: its caller gets the same outcome
    }

    /**
     * Records a request before it runs, so that it can be looked up at once and never triggered twice.
     *
     * @return false when an operation with this id is known already for the same requester (nothing changes then)
     * @throws InvalidRequestException for an unknown cluster or policy
     * @throws IdTakenException when an operation with this id is known for another requester ({@link
     *                          OperationRequest#requestedBy}): in memory, or recorded by another process or an earlier one
     */
    public boolean accept(OperationRequest request) {
        Run known = runs.get(request.id());
        if (known != null) {
            checkRequester(request, known.request.requestedBy());
            return false;
        }
        Run run = new Run(request, clusters.apply(request.cluster()), policies.apply(request.policy()), clock.now());
        if (!ownership.owns(request.cluster())) {
            if (repository.insert(request.id(), request.cluster(), request.toJson(), run.acceptedAt)) {
                return true; // the owner picks it up
            }
            checkStoredRequester(request);
            return false;
        }
        boolean fresh;
        accepting.add(request.id());
        try {
            if (!repository.insert(request.id(), request.cluster(), request.toJson(), run.acceptedAt)) {
                checkStoredRequester(request);
                return false; // recorded before, by this process or an earlier one: never triggered twice
            }
            fresh = runs.putIfAbsent(request.id(), run) == null;
        } finally {
            accepting.remove(request.id());
        }
        if (fresh) {
            run.withMdc(null, () -> LOG.info("Accepted {} {} on cluster {}{}", request.method(), request.pathAndQuery(), request.cluster(),
                    request.requestedBy() == null ? "" : " (requested by " + request.requestedBy() + ")"));
            run.result.whenComplete((o, e) -> forgetOldest());
        }
        return fresh;
    }

    /** An id belongs to whoever made it: the same requester gets its operation, any other is refused. */
    private static void checkRequester(OperationRequest request, String owner) {
        if (!java.util.Objects.equals(request.requestedBy(), owner)) {
            LOG.warn("Refused operation id {} for {}: it is {}'s", request.id(), requester(request.requestedBy()), requester(owner));
            throw new IdTakenException();
        }
    }

    /** The id is in the repository: recorded by this process, another replica or an earlier run, maybe ended. */
    private void checkStoredRequester(OperationRequest request) {
        StoredOperation stored = repository.find(request.id()).orElse(null);
        if (stored != null) {
            checkRequester(request, OperationRequest.storedRequester(stored.request()));
        }
    }

    private static String requester(String requestedBy) {
        return requestedBy == null ? "the operator's routes" : requestedBy;
    }

    /**
     * Takes up what an earlier run of the service left unfinished: jobs it knew are watched again (their end, or
     * their deletion, decides the outcome); an operation that was never sent is sent; one that was being sent when
     * the process died is not sent again unless its request says it is idempotent or its policy allows retry-unsafe:
     * its outcome is {@code lost}.
     *
     * @return how many operations were resumed
     */
    public int resume() {
        return takeUp(repository.unfinished());
    }

    /**
     * Takes up the unfinished operations of a cluster this process has just been given (another process ran them
     * before, or recorded them), as {@link #resume} does at start.
     *
     * @return how many operations were taken up
     */
    public int takeUp(String cluster) {
        return takeUp(repository.unfinished(cluster));
    }

    /**
     * Starts the operations of an owned cluster that other processes recorded since the last call (or that were
     * recorded here before this process owned the cluster).
     *
     * @return how many operations were started
     */
    public int pickUp(String cluster) {
        return takeUp(repository.accepted(cluster));
    }

    /**
     * Drops the in-memory work of a cluster this process no longer owns, without ending anything: the jobs are no
     * longer polled here, and whoever waits for one of its operations gets the outcome its new owner records.
     *
     * @return how many operations were dropped
     */
    public int release(String cluster) {
        int dropped = 0;
        for (Run run : runs.values()) {
            if (run.cluster.name().equals(cluster) && !run.result.isDone()) {
                run.abandon("cluster " + cluster + " is no longer owned here");
                dropped++;
            }
        }
        return dropped;
    }

    private int takeUp(List<StoredOperation> operations) {
        int resumed = 0;
        for (StoredOperation s : operations) {
            // accepting first: an id leaves it only once it is in runs
            if (accepting.contains(s.id()) || runs.containsKey(s.id())) {
                continue;
            }
            OperationRequest request = OperationRequest.fromStored(s.request());
            Run run;
            try {
                run = new Run(request, clusters.apply(request.cluster()), policies.apply(request.policy()), s.acceptedAt());
            } catch (InvalidRequestException e) {
                LOG.error("Operation {} cannot be resumed: {}", s.id(), e.getMessage());
                continue;
            }
            OperationState stored = OperationState.ofStored(s.status());
            // taken up here: a run() of the same id, from now on, waits for this one's outcome
            run.state.set(stored == OperationState.ACCEPTED ? OperationState.TRIGGERING : stored);
            run.startedAt = clock.now();
            run.attempts = s.attempts();
            if (runs.putIfAbsent(s.id(), run) != null) {
                continue; // accepted here meanwhile
            }
            resumed++;
            switch (stored) {
                case ACCEPTED -> run.attempt();
                // stopped mid-trigger: as uncertain as a reset after sending, so the same rule decides
                case TRIGGERING -> {
                    if (request.idempotent() || run.policy.mayRetryUncertainTrigger()) {
                        LOG.info("Resuming operation {}: the service stopped while sending its trigger; sending it again"
                                + " ({})", s.id(), request.idempotent() ? "idempotent request" : "retry-unsafe policy");
                        run.attempts--;
                        run.attempt();
                    } else {
                        run.end(OutcomeStatus.LOST, "the service stopped while the trigger was being sent; it may or may not"
                                + " have reached the cluster, so it is not sent again (mark the request idempotent, or set"
                                + " retry-unsafe in its policy, to allow it)");
                    }
                }
                default -> {
                    List<String> uuids = new ArrayList<>();
                    try {
                        JSON.readTree(s.jobs() == null ? "[]" : s.jobs()).forEach(n -> uuids.add(n.asText()));
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("stored jobs of " + s.id() + " are unreadable", e);
                    }
                    LOG.info("Resuming operation {}: watching job {}", s.id(), String.join(", ", uuids));
                    run.track(uuids);
                }
            }
        }
        return resumed;
    }

    /** Operations of a cluster in a state now: for the in-flight gauge. */
    public long count(String cluster, OperationState state) {
        return runs.values().stream().filter(r -> r.cluster.name().equals(cluster) && r.state.get() == state).count();
    }

    /** The operation as the API shows it, while it runs and after it ended. */
    public Optional<ObjectNode> view(String id) {
        Run run = runs.get(id);
        if (run != null) {
            return Optional.of(run.view());
        }
        // ended long ago, in an earlier run of the service, or not taken up here: the store knows it
        return repository.find(id).map(OperationRunner::storedView);
    }

    private static ObjectNode storedView(StoredOperation s) {
        ObjectNode v;
        try {
            v = s.outcome() != null ? (ObjectNode) JSON.readTree(s.outcome()).get("data").deepCopy() : JSON.createObjectNode();
            if (s.outcome() == null) {
                OperationRequest r = OperationRequest.fromStored(s.request());
                putQuery(v.putObject("operation").put("id", r.id()).put("cluster", r.cluster()).put("method", r.method())
                        .put("path", r.path()), r.query());
                v.put("attempts", s.attempts());
                if (r.requestedBy() != null) {
                    v.put("requested_by", r.requestedBy());
                }
            } else if (v.path("operation").isObject() && !v.path("operation").has("query")) {
                // an outcome stored before outcomes recorded the query: the stored request still holds it
                com.fasterxml.jackson.databind.JsonNode q = JSON.readTree(s.request()).get("query");
                if (q != null && q.isObject()) {
                    Map<String, String> query = new LinkedHashMap<>();
                    q.fields().forEachRemaining(e -> query.put(e.getKey(), e.getValue().asText()));
                    query.remove("return_timeout");
                    putQuery((ObjectNode) v.get("operation"), query);
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored operation " + s.id() + " is unreadable", e);
        }
        v.put("status", s.status());
        v.put("accepted_at", s.acceptedAt().toString());
        return v;
    }

    /** The operation's query in its view, by name, as the outcome shows it; nothing for none. */
    private static void putQuery(ObjectNode operation, Map<String, String> query) {
        if (!query.isEmpty()) {
            ObjectNode q = operation.putObject("query");
            new java.util.TreeMap<>(query).forEach(q::put);
        }
    }

    /** Operations known to this process, newest first; {@code status} filters (accepted, running, or an outcome word). */
    public List<ObjectNode> list(String status) {
        if (ownership == ClusterOwnership.EVERYTHING) {
            return runs.values().stream()
                    .filter(r -> status == null || r.status().equals(status))
                    .sorted(Comparator.comparing((Run r) -> r.acceptedAt).reversed())
                    .map(Run::view).toList();
        }
        // other processes run some: the store's latest too, this process's own view where it has one
        Map<String, ObjectNode> views = new LinkedHashMap<>();
        runs.values().forEach(r -> views.put(r.request.id(), r.view()));
        repository.recent(LIST_LIMIT).forEach(s -> views.computeIfAbsent(s.id(), id -> storedView(s)));
        return views.values().stream()
                .filter(v -> status == null || v.path("status").asText().equals(status))
                .sorted(Comparator.comparing((ObjectNode v) -> v.path("accepted_at").asText()).reversed())
                .toList();
    }

    /** Operations of the store a list shows when other processes run some. */
    static final int LIST_LIMIT = 1000;

    /**
     * Cancels, pauses or resumes the running job of an operation ({@code PATCH /api/cluster/jobs/{uuid}?action=…}).
     * ONTAP's refusals (458762, 458776, 458783, 458784, ...) come back as they are, with status 409. Any process
     * answers for any operation: one it does not run (its cluster is another's) is controlled through the repository
     * ({@link #controlStored}).
     */
    public CompletableFuture<ControlResult> control(String id, String action) {
        Run run = runs.get(id);
        if (run == null) {
            return controlStored(id, action);
        }
        if (run.result.isDone()) {
            return CompletableFuture.completedFuture(ControlResult.refused(409, null, null,
                    "operation '" + id + "' has ended (" + run.status() + ")", null));
        }
        List<String> running = run.jobs.stream().filter(j -> !j.isFinished()).map(Job::uuid).toList();
        if (running.isEmpty()) {
            return CompletableFuture.completedFuture(ControlResult.refused(409, null, null,
                    "operation '" + id + "' has no job running yet", null));
        }
        boolean cancel = "cancel".equals(action);
        if (cancel) {
            run.cancelledBy = CANCELLED_ON_REQUEST;
        }
        return CompletableFuture.supplyAsync(() -> {
            if (cancel) { // for whoever ends it, should this process lose the cluster before the job ends
                recordCancel(id, OperationRepository.CancelStep.REQUESTED);
            }
            ControlResult last = null;
            for (String uuid : running) {
                last = patchJob(run.cluster, uuid, action);
                if (last.accepted()) {
                    run.cluster.tracker().pollSoon(uuid); // show the new state (paused, resumed, ended) quickly
                } else {
                    break;
                }
            }
            if (cancel && !last.accepted()) {
                run.cancelledBy = null;
            }
            if (cancel) {
                cancelAnswered(id, last);
            }
            return last;
        }, run.cluster.calls());
    }

    /** The reason of an operation whose job was cancelled on request, whichever process took the request. */
    static final String CANCELLED_ON_REQUEST = "cancelled on request";

    /** ONTAP's answer to an action on a job that has ended: 458762 "already in a terminal state", or 404 once deleted. */
    private static boolean jobHasEnded(ControlResult r) {
        return "458762".equals(r.code()) || Integer.valueOf(404).equals(r.ontapStatus());
    }

    /**
     * An operation this process does not run: another process owns its cluster, or it ended before this one started.
     * The job is controlled from here, on this process's own connection to its cluster, rather than by the owner: the
     * caller gets ONTAP's answer (200, or 409 with ONTAP's code and message) as the owner would give it, at once, and
     * nothing depends on the owner being alive, on its next pick-up or on a second hop between processes (recording
     * the action for the owner to send instead could only answer 202, ONTAP's answer coming later). A cancel is
     * recorded in the repository before it is sent, so that the owner, seeing the job end, ends the operation
     * {@code cancelled} ("cancelled on request") and not {@code failed}, also after a takeover.
     */
    private CompletableFuture<ControlResult> controlStored(String id, String action) {
        StoredOperation s = repository.find(id).orElse(null);
        if (s == null) {
            return CompletableFuture.completedFuture(ControlResult.refused(404, null, null, "no operation '" + id + "'", null));
        }
        if (s.outcome() != null) {
            return CompletableFuture.completedFuture(ControlResult.refused(409, null, null,
                    "operation '" + id + "' has ended (" + s.status() + ")", null));
        }
        List<String> jobs = new ArrayList<>();
        if ("running".equals(s.status())) { // the jobs of the current attempt (a retry being sent still shows the last)
            try {
                JSON.readTree(s.jobs() == null ? "[]" : s.jobs()).forEach(n -> jobs.add(n.asText()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("stored jobs of " + id + " are unreadable", e);
            }
        }
        if (jobs.isEmpty()) {
            return CompletableFuture.completedFuture(ControlResult.refused(409, null, null,
                    "operation '" + id + "' has no job running yet", null));
        }
        // the UUIDs become part of the URL's path: only a UUID's characters, as ONTAP gave them
        if (jobs.stream().anyMatch(u -> !u.matches("[0-9A-Fa-f-]{1,64}"))) {
            throw new IllegalStateException("stored jobs of " + id + " are not job UUIDs");
        }
        Cluster cluster;
        try {
            cluster = clusters.apply(s.cluster());
        } catch (InvalidRequestException e) { // not the caller's mistake: this process's configuration differs
            return CompletableFuture.completedFuture(ControlResult.refused(409, null, null, "operation '" + id
                    + "' is on cluster '" + s.cluster() + "', which this process has no connection to", null));
        }
        boolean cancel = "cancel".equals(action);
        return CompletableFuture.supplyAsync(() -> {
            if (cancel && !recordCancel(id, OperationRepository.CancelStep.REQUESTED)) {
                return ControlResult.refused(503, null, null, "the cancel of operation '" + id + "' could not be recorded,"
                        + " so it was not sent; try again", null);
            }
            ControlResult answer = null;
            for (int i = 0; i < jobs.size(); i++) {
                ControlResult r = patchJob(cluster, jobs.get(i), action);
                if (r.accepted()) {
                    answer = r;
                } else if (!(jobHasEnded(r) && (i < jobs.size() - 1 || answer != null))) {
                    answer = r; // as the owner: the first refusal of a job still running is the answer
                    break;
                } // else a job of several that has ended: the owner would not have sent it either
            }
            if (cancel) {
                cancelAnswered(id, answer);
            }
            return answer;
        }, cluster.calls());
    }

    /**
     * Records ONTAP's answer to a cancel. Without one (the cluster unreachable, or no usable answer) the cancel may
     * or may not have reached the job: it stays requested, so a job that fails from now on ends cancelled.
     */
    private void cancelAnswered(String id, ControlResult answer) {
        if (answer.accepted()) {
            recordCancel(id, OperationRepository.CancelStep.ACCEPTED);
        } else if (answer.ontapStatus() != null) {
            recordCancel(id, OperationRepository.CancelStep.REFUSED);
        }
    }

    /** @return false when the repository could not record it */
    private boolean recordCancel(String id, OperationRepository.CancelStep step) {
        try {
            repository.cancelRequest(id, step);
            return true;
        } catch (RuntimeException e) {
            LOG.error("The cancel of {} ({}) could not be recorded: {}", id, step, e.getMessage());
            return false;
        }
    }

    /** Sends {@code PATCH /api/cluster/jobs/{uuid}?action=…} on a job, whatever started it. */
    public CompletableFuture<ControlResult> controlJob(String cluster, String uuid, String action) {
        // the UUID becomes part of the URL's path: only a UUID's characters, never a path of its own
        if (uuid == null || !uuid.matches("[0-9A-Fa-f-]{1,64}")) {
            throw new InvalidRequestException("OntapJobUuid", "not a job UUID (hex digits and '-')");
        }
        Cluster c = clusters.apply(cluster);
        return CompletableFuture.supplyAsync(() -> patchJob(c, uuid, action), c.calls());
    }

    static ControlResult patchJob(Cluster cluster, String uuid, String action) {
        try {
            OntapResponse r = cluster.client().call("PATCH", "/api/cluster/jobs/" + uuid, Map.of("action", action), "{}");
            LOG.info("{} of job {} {}", action, uuid, r.isSuccess() ? "accepted" : "refused: " + r.error().map(Object::toString).orElse("HTTP " + r.status()));
            if (r.isSuccess()) {
                return new ControlResult(200, true, null, null, uuid);
            }
            OntapError e = r.error().orElse(new OntapError(null, "HTTP " + r.status(), null));
            return ControlResult.refused(r.status() == 404 ? 404 : 409, r.status(), e.code(), e.message(), uuid);
        } catch (ClusterCallException e) {
            return ControlResult.refused(503, null, null, e.getMessage(), uuid);
        }
    }

    /** Drops the oldest ended operations from memory in batches, so a completion seldom pays for a sort. */
    private void forgetOldest() {
        if (runs.size() <= KEEP + KEEP / 10) {
            return;
        }
        runs.values().stream().filter(r -> r.result.isDone())
                .sorted(Comparator.comparing((Run r) -> r.acceptedAt))
                .limit(runs.size() - KEEP)
                .forEach(r -> runs.remove(r.request.id(), r));
    }

    /** One operation in progress. Its steps run one after another, on whichever pool thread ends the previous one. */
    private final class Run {
        final OperationRequest request;
        final Cluster cluster;
        final Policy policy;
        final long deadlineNanos;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        final AtomicReference<OperationState> state = new AtomicReference<>(OperationState.ACCEPTED);
        final List<Job> jobs = new CopyOnWriteArrayList<>();
        final AtomicBoolean cancelledByRule = new AtomicBoolean();
        final Instant acceptedAt;
        volatile Instant startedAt;
        volatile Instant lastPollAt;
        volatile String cancelledBy;
        volatile int attempts;
        volatile int attemptFirstJob;
        volatile int polls;
        int unreachable;
        /** When a trigger could first not be sent, in {@link OntapClock#nanoTime()} terms; null while the cluster answers. */
        Long unreachableSinceNanos;
        Integer httpStatus;
        volatile ObjectNode cancel;
        /** Dropped without an end (see {@link #abandon}): no step of it runs any more. */
        volatile boolean abandoned;

        Run(OperationRequest request, Cluster cluster, Policy policy, Instant acceptedAt) {
            this.request = request;
            this.cluster = cluster;
            this.policy = policy;
            this.acceptedAt = acceptedAt;
            Duration timeout = request.timeout() != null ? request.timeout() : policy.timeout();
            // the timeout counts from acceptance, across restarts too
            Duration left = Duration.between(clock.now(), acceptedAt.plus(timeout));
            this.deadlineNanos = clock.nanoTime() + Math.max(0, left.toNanos());
        }

        /** Moves on to {@code next}, unless the operation has ended meanwhile. */
        void moveTo(OperationState next) {
            state.getAndUpdate(s -> s == OperationState.ENDED ? s : next);
        }

        void attempt() {
            moveTo(OperationState.TRIGGERING);
            attempts++;
            cluster.calls().execute(guarded(() -> {
                try {
                    repository.triggering(request.id(), attempts); // from here until the answer, a crash leaves it uncertain
                } catch (OwnershipLostException e) {
                    abandon(e.getMessage()); // never sent: another process has it, or it has ended
                    return;
                } catch (RuntimeException e) {
                    end(OutcomeStatus.FAILED, "the store could not record the trigger, so it was not sent: " + e.getMessage());
                    return;
                }
                trigger();
            }));
        }

        /**
         * A step of this operation, run on whichever thread: whatever it throws ends the operation with a clear
         * outcome instead of leaving its caller waiting for ever.
         */
        Runnable guarded(Runnable step) {
            return () -> {
                try {
                    step.run();
                } catch (RuntimeException | Error e) {
                    LOG.error("Operation {} failed unexpectedly", request.id(), e);
                    if (!result.isDone()) {
                        end(state.get() == OperationState.ACCEPTED ? OutcomeStatus.FAILED : OutcomeStatus.LOST,
                                "failed unexpectedly inside the service (" + e + "); see its log");
                    }
                }
            };
        }

        void trigger() {
            withMdc(null, () -> {
                Map<String, String> query = new LinkedHashMap<>(request.query());
                Integer returnTimeout = request.returnTimeout() != null ? request.returnTimeout() : policy.returnTimeout();
                if (returnTimeout != null) {
                    query.put("return_timeout", String.valueOf(returnTimeout));
                }
                OntapResponse response;
                try {
                    response = cluster.client().call(request.method(), request.path(), query, request.bodyText());
                } catch (ClusterCallException e) {
                    triggerFailed(e);
                    return;
                } catch (RuntimeException e) {
                    LOG.error("Trigger of {} {} failed unexpectedly", request.method(), request.path(), e);
                    end(OutcomeStatus.LOST, "trigger failed unexpectedly: " + e);
                    return;
                }
                unreachable = 0;
                unreachableSinceNanos = null;
                httpStatus = response.status();
                triggered(response);
            });
        }

        void triggerFailed(ClusterCallException e) {
            switch (e.kind()) {
                case TLS -> end(OutcomeStatus.REJECTED, e.getMessage());
                case NOT_SENT -> {
                    // nothing was sent: a mistyped or dead address must not stall the caller until the timeout
                    long now = clock.nanoTime();
                    if (unreachableSinceNanos == null) {
                        unreachableSinceNanos = now;
                    } else if (now - unreachableSinceNanos >= cluster.config().unreachableAfter().toNanos()) {
                        end(OutcomeStatus.LOST, "cluster " + cluster.name() + " unreachable for "
                                + Durations.format(cluster.config().unreachableAfter()) + " before the trigger was sent (nothing was sent): "
                                + e.getMessage() + " (ontap.clusters." + cluster.name() + ".unreachable-after)");
                        return;
                    }
                    retryUnsent(e.getMessage());
                }
                case UNCERTAIN -> {
                    if (request.idempotent() || policy.mayRetryUncertainTrigger()) {
                        retryUnsent(e.getMessage());
                    } else {
                        end(OutcomeStatus.LOST, e.getMessage() + "; the operation may or may not have started, so it is"
                                + " not sent again (mark the request idempotent, or set retry-unsafe in its policy, to allow it)");
                    }
                }
            }
        }

        /** The cluster did not take the trigger: send it again after a backoff, until the deadline. */
        void retryUnsent(String why) {
            Duration delay = UNREACHABLE_BACKOFF.delay(++unreachable);
            long now = clock.nanoTime();
            if (unreachableSinceNanos != null) { // the last try falls on unreachable-after, not up to a backoff later
                long left = unreachableSinceNanos + cluster.config().unreachableAfter().toNanos() - now;
                delay = Duration.ofNanos(Math.max(0, Math.min(delay.toNanos(), left)));
            }
            if (now + delay.toNanos() - deadlineNanos >= 0) {
                end(OutcomeStatus.LOST, "cluster not reachable until the timeout: " + why);
                return;
            }
            LOG.warn("{}; sending the trigger again in {} ms", why, delay.toMillis());
            attempts--; // the cluster never took it: not a new attempt
            clock.schedule(guarded(this::attempt), delay);
        }

        void triggered(OntapResponse response) {
            int status = response.status();
            if (response.isBackPressure()) {
                retryUnsent("cluster answered " + status + response.error().map(e -> " (" + e + ")").orElse(""));
                return;
            }
            // return_timeout: the job ended within the call, in a 2xx or in an error answer naming the job
            Job embedded = JobLinks.endedWithinCall(response);
            if (embedded != null) {
                attemptFirstJob = jobs.size();
                jobs.add(embedded);
                LOG.info("Job {} ended within the call: {}", embedded.uuid(), embedded.state());
                decideFinished(embedded);
                return;
            }
            if (!response.isSuccess()) {
                OntapError error = response.error().orElse(new OntapError(null, null, null));
                Decision d = policy.decide(Observation.trigger(status, error.code(), error.message()), attempts, random);
                String what = "cluster answered HTTP " + status + (error.code() != null ? " with " + error : "");
                if (d.action() == Action.RETRY) {
                    retryAfter(d, what);
                } else if (d.action() == Action.SUCCEED) {
                    end(OutcomeStatus.SUCCEEDED, what + "; accepted by " + d.reason());
                } else if (status == 401 || status == 403) {
                    end(OutcomeStatus.REJECTED, what + ": check the cluster's username and password");
                } else {
                    end(status >= 500 ? OutcomeStatus.FAILED : OutcomeStatus.REJECTED, d.action() == Action.FAIL ? what + "; " + d.reason() : what);
                }
                return;
            }
            List<String> uuids = JobLinks.uuids(response.body());
            if (uuids.isEmpty()) { // 200/201 with no job: the operation was synchronous
                end(OutcomeStatus.SUCCEEDED, null);
                return;
            }
            try {
                repository.running(request.id(), attempts, JSON.valueToTree(uuids).toString());
            } catch (OwnershipLostException e) { // its new owner decides what became of this trigger
                abandon(e.getMessage() + " (job " + String.join(", ", uuids) + " was started)");
                return;
            } catch (RuntimeException e) { // the job runs whatever the store says: keep watching it
                LOG.error("The store could not record job {} of {}: {}; watching it all the same", uuids, request.id(), e.getMessage());
            }
            LOG.info("Triggered {} {} (attempt {}): job {}", request.method(), request.path(), attempts, String.join(", ", uuids));
            track(uuids);
        }

        /** Watches the jobs of this attempt; when all have ended (or the deadline passed), decides. */
        void track(List<String> uuids) {
            if (abandoned) {
                return;
            }
            moveTo(OperationState.RUNNING);
            int first = jobs.size();
            attemptFirstJob = first;
            uuids.forEach(u -> jobs.add(Job.from(JSON.createObjectNode().put("uuid", u))));
            List<CompletableFuture<TrackResult>> waits = new ArrayList<>();
            for (int i = 0; i < uuids.size(); i++) {
                int index = first + i;
                String uuid = uuids.get(i);
                waits.add(cluster.tracker().track(uuid, policy.poll(), deadlineNanos, new JobListener() {
                            @Override
                            public void changed(Job job) {
                                progress(index, job);
                            }

                            @Override
                            public void polled(Job job) {
                                lastPollAt = clock.now();
                            }
                        })
                        .whenComplete((r, e) -> {
                            if (r != null && r.job() != null) {
                                jobs.set(index, r.job());
                            }
                        }));
            }
            CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                    .whenComplete((ignored, error) -> guarded(() -> withMdc(null, () -> awaited(waits.stream().map(CompletableFuture::join).toList()))).run());
        }

        /** A job changed while running: log it, and let a cancel rule act on its message. */
        void progress(int index, Job job) {
            withMdc(job.uuid(), () -> {
                jobs.set(index, job);
                LOG.info("Job {} {}{}", job.uuid(), job.state(), job.message() != null ? ": " + job.message() : "");
                Decision d = policy.decide(Observation.job(job.state(), job.code(), job.errorCode(), job.message(), job.errorMessage()), attempts, random);
                if (d.action() == Action.CANCEL && cancelledByRule.compareAndSet(false, true)) {
                    LOG.info("Cancelling job {}: {}", job.uuid(), d.reason());
                    cancelledBy = "cancelled by " + d.reason();
                    cluster.calls().execute(guarded(() -> cancel = cancelJob(job.uuid(), d.reason())));
                }
            });
        }

        void awaited(List<TrackResult> results) {
            results.forEach(r -> polls += r.polls());
            List<TrackResult> timedOut = results.stream().filter(r -> r.end() == TrackResult.End.TIMED_OUT).toList();
            if (!timedOut.isEmpty()) {
                timedOutJobs(timedOut);
                return;
            }
            TrackResult vanished = results.stream().filter(r -> r.end() == TrackResult.End.VANISHED).findFirst().orElse(null);
            if (vanished != null) {
                end(OutcomeStatus.LOST, vanished.reason());
                return;
            }
            Job deciding = results.stream().map(TrackResult::job).filter(Job::isFailure).findFirst()
                    .orElse(results.get(results.size() - 1).job());
            decideFinished(deciding);
        }

        void decideFinished(Job job) {
            LOG.info("Job {} {}{}", job.uuid(), job.state(), job.isFailure() ? " with code " + job.code() + ": " + job.message() : "");
            Decision d = policy.decide(Observation.job(job.state(), job.code(), job.errorCode(), job.message(), job.errorMessage()), attempts, random);
            if (d.action() == Action.RETRY) {
                retryAfter(d, "job " + job.uuid() + " " + job.state() + (job.code() != null && job.code() != 0 ? " with code " + job.code() : ""));
            } else if (d.action() == Action.SUCCEED) {
                end(OutcomeStatus.SUCCEEDED, job.isSuccess() ? null : "accepted by " + d.reason());
            } else if (d.action() == Action.FAIL || d.action() == Action.CANCEL) {
                end(OutcomeStatus.FAILED, d.reason());
            } else if (job.isSuccess()) {
                end(OutcomeStatus.SUCCEEDED, null);
            } else if (cancelledBy != null) {
                end(OutcomeStatus.CANCELLED, cancelledBy);
            } else if (cancelRequestedElsewhere()) {
                end(OutcomeStatus.CANCELLED, CANCELLED_ON_REQUEST);
            } else {
                end(OutcomeStatus.FAILED, "job failed with code " + job.code() + (job.message() != null ? ": " + job.message() : ""));
            }
        }

        /**
         * A cancel sent through another process (or through this one before a restart or takeover), as the repository
         * records it: read only when a job failed and nothing here explains it.
         */
        boolean cancelRequestedElsewhere() {
            try {
                return repository.find(request.id()).map(StoredOperation::cancelRequest).isPresent();
            } catch (RuntimeException e) {
                LOG.warn("Could not read whether {} was cancelled on request: {}", request.id(), e.getMessage());
                return false;
            }
        }

        void retryAfter(Decision d, String what) {
            if (clock.nanoTime() + d.delay().toNanos() - deadlineNanos >= 0) {
                end(OutcomeStatus.FAILED, what + "; no time left for a retry before the timeout");
                return;
            }
            LOG.info("{}; retrying in {} ms ({})", what, d.delay().toMillis(), d.reason());
            clock.schedule(guarded(this::attempt), d.delay());
        }

        void timedOutJobs(List<TrackResult> timedOut) {
            String what = "timed out after " + (request.timeout() != null ? request.timeout() : policy.timeout()).toSeconds() + " s";
            if (policy.onTimeout() == OnTimeout.ABANDON) {
                end(OutcomeStatus.TIMED_OUT, what + "; the job was left running (on-timeout: abandon)");
                return;
            }
            cluster.calls().execute(guarded(() -> withMdc(null, () -> {
                for (TrackResult r : timedOut) {
                    String uuid = r.job() != null ? r.job().uuid() : null;
                    if (uuid != null) {
                        cancel = cancelJob(uuid, what);
                        if (cancel.path("accepted").asBoolean()) {
                            readFinalState(uuid);
                        }
                    }
                }
                boolean accepted = cancel != null && cancel.path("accepted").asBoolean();
                end(OutcomeStatus.TIMED_OUT, what + (accepted ? "; the job was cancelled" : "; the cancel was refused: "
                        + (cancel == null ? "no job to cancel" : cancel.path("message").asText())));
            })));
        }

        /** Cancels the job ({@link #patchJob}) and records what ONTAP said, for the outcome's {@code cancel}. */
        ObjectNode cancelJob(String uuid, String why) {
            ControlResult r = patchJob(cluster, uuid, "cancel");
            ObjectNode c = JSON.createObjectNode();
            c.put("job", uuid);
            c.put("reason", why);
            c.put("accepted", r.accepted());
            if (r.ontapStatus() != null) {
                c.put("http_status", r.ontapStatus());
            }
            if (r.code() != null) {
                c.put("code", r.code());
            }
            if (r.message() != null) {
                c.put("message", r.message());
            }
            return c;
        }

        /** After an accepted cancel the outcome shows the job as it ended, not its last running state. */
        void readFinalState(String uuid) {
            try {
                OntapResponse r = cluster.client().get("/api/cluster/jobs/" + uuid, Map.of("fields", "uuid,state,code,message,error,start_time,end_time"));
                if (r.isSuccess() && r.body() != null && r.body().hasNonNull("state")) {
                    Job job = Job.from(r.body());
                    for (int i = 0; i < jobs.size(); i++) {
                        if (uuid.equals(jobs.get(i).uuid())) {
                            jobs.set(i, job);
                        }
                    }
                }
            } catch (ClusterCallException e) {
                LOG.debug("Job {} could not be read after its cancel: {}", uuid, e.getMessage());
            }
        }

        void end(OutcomeStatus status, String reason) {
            if (result.isDone()) {
                return; // ended already (a guarded step failing after its end): one outcome per operation
            }
            Outcome outcome = new Outcome(request.id(), cluster.name(), request.method(), request.path(), status,
                    decidingJob(), List.copyOf(jobs), attempts, polls, httpStatus, reason, cancel, clock.now(),
                    request.requestedBy(), cluster.config().simulator(), request.query());
            if (abandoned) {
                return;
            }
            try {
                repository.end(request.id(), status.word(), outcome.toJson());
            } catch (OwnershipLostException e) { // ended elsewhere, or by a newer owner: its outcome stands, not this one
                abandon(e.getMessage() + "; outcome " + status.word() + " dropped");
                return;
            } catch (RuntimeException e) { // the caller still gets it; the next start takes the operation up again
                withMdc(null, () -> LOG.error("Outcome of {} could not be stored: {}", request.id(), e.getMessage()));
            }
            withMdc(null, () -> {
                LOG.info("Operation {} {}{}", request.id(), status.word(), reason != null ? ": " + reason : "");
                metrics.outcome(cluster.name(), status.word(), attempts);
                for (OutcomeListener listener : listeners) {
                    try {
                        listener.ended(outcome);
                    } catch (RuntimeException e) {
                        LOG.error("Outcome listener {} failed on {}: {}", listener, request.id(), e.toString());
                    }
                }
            });
            result.complete(outcome);
            state.set(OperationState.ENDED);
        }

        /**
         * Drops this run without ending it: its jobs are no longer polled here, and its callers get the outcome the
         * store holds, or will hold once the cluster's owner records it.
         */
        void abandon(String why) {
            if (abandoned) {
                return;
            }
            abandoned = true;
            runs.remove(request.id(), this);
            jobs.forEach(j -> cluster.tracker().forget(j.uuid()));
            withMdc(null, () -> LOG.warn("Operation {} dropped here, not ended: {}", request.id(), why));
            CompletableFuture<Outcome> elsewhere;
            try {
                String stored = repository.find(request.id()).map(StoredOperation::outcome).orElse(null);
                elsewhere = stored != null ? CompletableFuture.completedFuture(Outcome.fromCloudEvent(JSON.readTree(stored)))
                        : ownership.outcome(request.id());
            } catch (java.io.IOException | RuntimeException e) {
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

        /** Of the last attempt's jobs: the one that failed, else the last. */
        Job decidingJob() {
            List<Job> last = jobs.subList(Math.min(attemptFirstJob, jobs.size()), jobs.size());
            return last.stream().filter(Job::isFailure).findFirst().orElse(last.isEmpty() ? null : last.get(last.size() - 1));
        }

        /** Its state's word, or once ended its outcome's (succeeded, failed, ...): what the API shows and filters by. */
        String status() {
            Outcome o = result.getNow(null);
            return o != null ? o.status().word() : state.get().word();
        }

        ObjectNode view() {
            Outcome o = result.getNow(null);
            ObjectNode v = o != null ? (ObjectNode) o.toCloudEvent().get("data") : JSON.createObjectNode();
            v.put("status", status());
            if (o != null && o.time() != null) { // when it ended: a cancelled or timed-out job may have no end_time
                v.put("ended_at", o.time().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
            }
            if (o == null) {
                ObjectNode op = v.putObject("operation");
                op.put("id", request.id());
                op.put("cluster", cluster.name());
                op.put("method", request.method());
                op.put("path", request.path());
                putQuery(op, request.query());
                var js = v.putArray("jobs");
                for (Job j : jobs) {
                    js.addObject().put("uuid", j.uuid()).put("state", j.state()).put("message", j.message());
                }
                v.put("attempts", attempts);
                if (request.requestedBy() != null) {
                    v.put("requested_by", request.requestedBy());
                }
            }
            v.put("accepted_at", acceptedAt.toString());
            if (startedAt != null) {
                v.put("started_at", startedAt.toString());
            }
            if (lastPollAt != null) {
                v.put("last_poll_at", lastPollAt.toString());
            }
            return v;
        }

        void withMdc(String jobUuid, Runnable r) {
            MDC.put("operation", request.id());
            if (jobUuid != null) {
                MDC.put("job", jobUuid);
            }
            try {
                r.run();
            } finally {
                MDC.remove("operation");
                MDC.remove("job");
            }
        }
    }
}

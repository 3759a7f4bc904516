package io.ontapjobs.operation;

import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeListener;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.time.OntapClock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations to their outcome: takes them in (never one id twice), takes up what an earlier process left, and
 * hands each to its {@link OperationRun} (trigger, await the job(s) through the cluster's tracker, let the
 * {@link Decider} say what follows). Job control is {@link JobControl}'s. Nothing here waits on a thread: REST calls
 * run on the cluster's bounded pool, waiting is the tracker's, and retries are scheduled on the {@link OntapClock},
 * which also gives every timestamp and deadline.
 */
public class OperationRunner {
    private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);

    /** Ended operations kept for lookups and duplicate detection (the durable store keeps them all). */
    static final int KEEP = 10_000;
    private final Map<String, OperationRun> runs = new ConcurrentHashMap<>();
    private final OperationRepository repository;
    private final Function<String, Cluster> clusters;
    private final Function<String, Policy> policies;
    private final OntapClock clock;
    private final RunContext context;
    private final JobControl jobControl;
    private volatile ClusterOwnership ownership = ClusterOwnership.EVERYTHING;
    /** Ids being recorded by {@link #accept} and not yet in {@link #runs}: not to be picked up from the store meanwhile. */
    private final Set<String> accepting = ConcurrentHashMap.newKeySet();

    /**
     * @param clusters   a cluster by name; throws {@link InvalidRequestException} for an unknown one
     * @param policies   a policy by name ({@code null} = default); throws for an unknown one
     * @param repository where each step is recorded (see {@link OperationRepository})
     * @param listeners  told of each outcome once it is recorded
     */
    public OperationRunner(Function<String, Cluster> clusters, Function<String, Policy> policies, OntapClock clock,
                           RandomGenerator random, OperationRepository repository, List<OutcomeListener> listeners,
                           OntapMetrics metrics) {
        this.clusters = clusters;
        this.policies = policies;
        this.clock = clock;
        this.repository = Objects.requireNonNull(repository, "repository");
        this.context = new RunContext(repository, clock, random, metrics, List.copyOf(listeners), () -> ownership,
                run -> runs.remove(run.request.id(), run));
        this.jobControl = new JobControl(repository, clusters);
    }

    /**
     * Which clusters this process runs operations on (default: all). Requests of other clusters are recorded only,
     * and {@link #run} awaits their outcome through {@link ClusterOwnership#outcome}.
     */
    public void ownership(ClusterOwnership ownership) {
        this.ownership = Objects.requireNonNull(ownership, "ownership");
    }

    /** Which clusters this process runs operations on now. */
    public ClusterOwnership ownership() {
        return ownership;
    }

    /**
     * Starts the operation; the future completes with its outcome, never exceptionally for what the cluster did.
     *
     * @throws InvalidRequestException for an unknown cluster or policy, before anything is sent
     */
    public CompletableFuture<Outcome> run(OperationRequest request) {
        request = recordedBeforeTheIdPrefix(request);
        OperationRun run = runs.get(request.id());
        if (run == null) {
            accept(request); // refuses another requester's id
            run = runs.get(request.id());
        } else {
            checkRequester(request, run.request.requestedBy());
        }
        if (run == null) { // ended in an earlier run of the service: its outcome stands
            Outcome stored = repository.find(request.id()).map(StoredOperation::readOutcome).orElse(null);
            if (stored == null && ownership != ClusterOwnership.EVERYTHING) {
                return ownership.outcome(request.id()); // recorded; its cluster's owner runs it
            }
            if (stored == null) {
                throw new InvalidRequestException("id", "operation '" + request.id() + "' exists and has not ended");
            }
            return CompletableFuture.completedFuture(stored);
        }
        run.start(); // sent once: an id seen before is never triggered again
        return run.result; // its caller gets the same outcome
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
        OperationRun known = runs.get(request.id());
        if (known != null) {
            checkRequester(request, known.request.requestedBy());
            return false;
        }
        Instant acceptedAt = clock.now();
        OperationRun run = newRun(request, acceptedAt, RunState.initial(OperationState.ACCEPTED, 0));
        if (!ownership.owns(request.cluster())) {
            if (repository.insert(request.id(), request.cluster(), request.toJson(), acceptedAt)) {
                return true; // the owner picks it up
            }
            checkStoredRequester(request);
            return false;
        }
        boolean fresh;
        accepting.add(request.id());
        try {
            if (!repository.insert(request.id(), request.cluster(), request.toJson(), acceptedAt)) {
                checkStoredRequester(request);
                return false; // recorded before, by this process or an earlier one: never triggered twice
            }
            fresh = runs.putIfAbsent(request.id(), run) == null;
        } finally {
            accepting.remove(request.id());
        }
        if (fresh) {
            RunContext.withMdc(request.id(), null, () -> LOG.info("Accepted {} {} on cluster {}{}", request.method(), request.pathAndQuery(),
                    request.cluster(), request.requestedBy() == null ? "" : " (requested by " + request.requestedBy() + ")"));
            run.result.whenComplete((o, e) -> forgetOldest());
        }
        return fresh;
    }

    /**
     * An inbox file or queue message taken before ids got their source's prefix, and taken again after an upgrade
     * (it stays in the inbox, or unacknowledged, until its outcome): it goes on as the operation recorded then.
     */
    private OperationRequest recordedBeforeTheIdPrefix(OperationRequest request) {
        String old = request.unprefixedId();
        if (old == null || runs.containsKey(request.id()) || repository.find(request.id()).isPresent()) {
            return request;
        }
        boolean same = repository.find(old).map(s -> request.requestedBy().equals(OperationRequest.storedRequester(s.request())))
                .orElse(false);
        return same ? request.with(old, request.cluster()) : request;
    }

    /** An id belongs to whoever made it: the same requester gets its operation, any other is refused. */
    private static void checkRequester(OperationRequest request, String owner) {
        if (!Objects.equals(request.requestedBy(), owner)) {
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

    private OperationRun newRun(OperationRequest request, Instant acceptedAt, RunState initial) {
        return new OperationRun(request, clusters.apply(request.cluster()), policies.apply(request.policy()), acceptedAt, initial, context);
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
        for (OperationRun run : runs.values()) {
            if (run.cluster.name().equals(cluster) && !run.result.isDone()) {
                run.release("cluster " + cluster + " is no longer owned here");
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
            OperationState stored = OperationState.ofStored(s.status());
            // taken up here: a run() of the same id, from now on, waits for this one's outcome
            RunState initial = RunState.initial(stored == OperationState.ACCEPTED ? OperationState.TRIGGERING : stored, s.attempts())
                    .started(clock.now());
            OperationRun run;
            try {
                run = newRun(request, s.acceptedAt(), initial);
            } catch (InvalidRequestException e) {
                LOG.error("Operation {} cannot be resumed: {}", s.id(), e.getMessage());
                continue;
            }
            if (runs.putIfAbsent(s.id(), run) != null) {
                continue; // accepted here meanwhile
            }
            resumed++;
            run.resume(stored, stored == OperationState.ACCEPTED || stored == OperationState.TRIGGERING ? List.of() : s.jobUuids());
        }
        return resumed;
    }

    /** Operations of a cluster in a state now: for the in-flight gauge. */
    public long count(String cluster, OperationState state) {
        return runs.values().stream().filter(r -> r.cluster.name().equals(cluster) && r.state().state() == state).count();
    }

    /** An operation this process runs (or ran lately), as it stands now; empty for one it does not know. */
    public Optional<OperationSnapshot> snapshot(String id) {
        return Optional.ofNullable(runs.get(id)).map(OperationRun::snapshot);
    }

    /** The operations this process runs (or ran lately), newest first. */
    public List<OperationSnapshot> snapshots() {
        return runs.values().stream().map(OperationRun::snapshot)
                .sorted(Comparator.comparing(OperationSnapshot::acceptedAt).reversed()).toList();
    }

    /** The repository where every step is recorded: what read models show of operations not run here. */
    public OperationRepository repository() {
        return repository;
    }

    /**
     * Cancels, pauses or resumes the running job of an operation ({@code PATCH /api/cluster/jobs/{uuid}?action=…}).
     * ONTAP's refusals (458762, 458776, 458783, 458784, ...) come back as they are, with status 409. Any process
     * answers for any operation: one it does not run (its cluster is another's) is controlled through the repository.
     */
    public CompletableFuture<ControlResult> control(String id, String action) {
        return jobControl.control(runs.get(id), id, action);
    }

    /** Sends {@code PATCH /api/cluster/jobs/{uuid}?action=…} on a job, whatever started it. */
    public CompletableFuture<ControlResult> controlJob(String cluster, String uuid, String action) {
        return jobControl.controlJob(cluster, uuid, action);
    }

    /** Drops the oldest ended operations from memory in batches, so a completion seldom pays for a sort. */
    private void forgetOldest() {
        if (runs.size() <= KEEP + KEEP / 10) {
            return;
        }
        runs.values().stream().filter(r -> r.result.isDone())
                .sorted(Comparator.comparing((OperationRun r) -> r.acceptedAt))
                .limit(runs.size() - KEEP)
                .forEach(r -> runs.remove(r.request.id(), r));
    }
}

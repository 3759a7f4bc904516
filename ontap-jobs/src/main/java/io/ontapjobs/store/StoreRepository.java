package io.ontapjobs.store;

import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.operation.OwnershipLostException;
import io.ontapjobs.operation.StoredOperation;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The component's view of an {@link OperationStore} ({@link OperationStore#repository(List, Fencing)}): each step
 * recorded there, an ended operation's outcome queued for {@code sinks}; with {@code fencing}, each step only while
 * the replica holds its cluster's current epoch. A step refused (ended by another, taken over) throws
 * {@link OwnershipLostException}: the runner drops the operation without ending it.
 */
final class StoreRepository implements OperationRepository {
    private final OperationStore store;
    private final List<String> sinks;
    private final Fencing fencing;

    StoreRepository(OperationStore store, List<String> sinks, Fencing fencing) {
        this.store = store;
        this.sinks = sinks;
        this.fencing = fencing;
    }

    @Override
    public boolean insert(String id, String cluster, String requestJson, Instant acceptedAt) {
        return store.insert(id, cluster, requestJson, acceptedAt);
    }

    @Override
    public void triggering(String id, int attempt) {
        if (!store.triggering(id, attempt, fencing)) {
            throw new OwnershipLostException("operation " + id + " has ended already: not triggered again");
        }
    }

    @Override
    public void running(String id, int attempts, String jobsJson) {
        if (!store.running(id, attempts, jobsJson, fencing)) {
            throw new OwnershipLostException("operation " + id + " is no longer being triggered here (ended or taken over)");
        }
    }

    @Override
    public void end(String id, String status, String outcomeJson) {
        if (!store.end(id, status, outcomeJson, sinks, fencing)) {
            throw new OwnershipLostException("operation " + id + " has ended already: its outcome stands");
        }
    }

    @Override
    public Optional<StoredOperation> find(String id) {
        return store.find(id);
    }

    @Override
    public List<StoredOperation> unfinished() {
        return store.unfinished();
    }

    @Override
    public List<StoredOperation> unfinished(String cluster) {
        return store.unfinished(cluster);
    }

    @Override
    public List<StoredOperation> accepted(String cluster) {
        return store.accepted(cluster);
    }

    @Override
    public List<StoredOperation> recent(int limit) {
        return store.recent(limit);
    }

    // not fenced: any replica records a cancel it was asked for, the owner reads it
    @Override
    public void cancelRequest(String id, CancelStep step) {
        store.cancelRequest(id, step);
    }
}

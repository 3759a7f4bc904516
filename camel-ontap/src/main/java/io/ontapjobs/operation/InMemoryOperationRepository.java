package io.ontapjobs.operation;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default repository: operations in memory, so duplicate ids are caught while the process runs and nothing
 * survives it. Ended operations beyond {@link #KEEP} are dropped, oldest first, so a long-running application does not
 * grow without bound; unfinished ones are always kept.
 */
public final class InMemoryOperationRepository implements OperationRepository {
    static final int KEEP = 10_000;

    private final Map<String, StoredOperation> operations = new ConcurrentHashMap<>();

    @Override
    public boolean insert(String id, String cluster, String requestJson, Instant acceptedAt) {
        return operations.putIfAbsent(id, new StoredOperation(id, cluster, requestJson, "accepted", 0, null, acceptedAt, null)) == null;
    }

    @Override
    public void triggering(String id, int attempt) {
        operations.computeIfPresent(id, (k, o) -> new StoredOperation(k, o.cluster(), o.request(), "triggering", attempt, o.jobs(),
                o.acceptedAt(), null, o.cancelRequest()));
    }

    @Override
    public void running(String id, int attempts, String jobsJson) {
        operations.computeIfPresent(id, (k, o) -> new StoredOperation(k, o.cluster(), o.request(), "running", attempts, jobsJson,
                o.acceptedAt(), null, o.cancelRequest()));
    }

    @Override
    public void end(String id, String status, String outcomeJson) {
        operations.computeIfPresent(id, (k, o) -> new StoredOperation(k, o.cluster(), o.request(), status, o.attempts(), o.jobs(),
                o.acceptedAt(), outcomeJson, o.cancelRequest()));
        if (operations.size() > KEEP + KEEP / 10) {
            operations.values().stream().filter(o -> o.outcome() != null)
                    .sorted(Comparator.comparing(StoredOperation::acceptedAt))
                    .limit(operations.size() - KEEP)
                    .forEach(o -> operations.remove(o.id(), o));
        }
    }

    @Override
    public void cancelRequest(String id, CancelStep step) {
        operations.computeIfPresent(id, (k, o) -> {
            if (o.outcome() != null) {
                return o;
            }
            String now = switch (step) {
                case REQUESTED -> o.cancelRequest() == null ? "requested" : o.cancelRequest();
                case ACCEPTED -> "accepted";
                case REFUSED -> "requested".equals(o.cancelRequest()) ? null : o.cancelRequest();
            };
            return new StoredOperation(k, o.cluster(), o.request(), o.status(), o.attempts(), o.jobs(), o.acceptedAt(), null, now);
        });
    }

    @Override
    public Optional<StoredOperation> find(String id) {
        return Optional.ofNullable(operations.get(id));
    }

    @Override
    public List<StoredOperation> unfinished() {
        return operations.values().stream().filter(o -> o.outcome() == null)
                .sorted(Comparator.comparing(StoredOperation::acceptedAt)).toList();
    }
}

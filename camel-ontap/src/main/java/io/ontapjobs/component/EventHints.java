package io.ontapjobs.component;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The started EMS consumers, by cluster, for {@link OntapComponent#eventsHint}: a hint (an EMS push) makes each of a
 * cluster's consumers poll soon, at most once a second each, on the consumer's own hint thread, never the caller's.
 */
final class EventHints {
    private final Map<String, Set<OntapEventConsumer>> consumers = new ConcurrentHashMap<>();

    void add(String cluster, OntapEventConsumer consumer) {
        consumers.computeIfAbsent(cluster, k -> ConcurrentHashMap.newKeySet()).add(consumer);
    }

    void remove(String cluster, OntapEventConsumer consumer) {
        consumers.computeIfPresent(cluster, (k, set) -> {
            set.remove(consumer);
            return set.isEmpty() ? null : set;
        });
    }

    /** @return how many of the cluster's consumers queued a poll (one already queued or none started: 0) */
    int hint(String cluster) {
        int queued = 0;
        for (OntapEventConsumer c : consumers.getOrDefault(cluster, Set.of())) {
            if (c.hint()) {
                queued++;
            }
        }
        return queued;
    }
}

package io.ontapjobs.store;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ownership epochs one replica holds, per ONTAP cluster: {@link OwnershipEpochs#claim} adds one, and every step the
 * replica records for an operation of that cluster is checked against the epoch the database holds now. A replica
 * holds nothing until it claims: without an epoch for a cluster it records no step of that cluster's operations.
 */
public final class Fencing {
    private final String replica;
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();

    public Fencing(String replica) {
        if (replica == null || replica.isBlank()) {
            throw new IllegalArgumentException("a replica needs a name");
        }
        this.replica = replica;
    }

    public String replica() {
        return replica;
    }

    /** The epoch held for {@code cluster}, or null when this replica does not own it. */
    public Long epoch(String cluster) {
        return epochs.get(cluster);
    }

    public Set<String> clusters() {
        return Set.copyOf(epochs.keySet());
    }

    void hold(String cluster, long epoch) {
        epochs.put(cluster, epoch);
    }

    /** Gives the cluster up (leadership lost): from now on its steps are refused without asking the database. */
    public void drop(String cluster) {
        epochs.remove(cluster);
    }

    /** Drops {@code epoch} only: a newer claim made meanwhile stands. */
    void superseded(String cluster, long epoch) {
        epochs.remove(cluster, epoch);
    }
}

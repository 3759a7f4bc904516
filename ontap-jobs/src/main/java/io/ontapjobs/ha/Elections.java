package io.ontapjobs.ha;

import java.util.List;
import java.util.Optional;

/**
 * The ONTAP clusters' elections, one per cluster, as this replica's cluster service holds them ({@link CamelElections});
 * what the replica asks of them and does to them. A question may throw when the service does not answer.
 */
interface Elections {
    /** Whether this replica is in the cluster's election yet (its view is there). */
    boolean joined(String cluster);

    /** Whether the cluster service says this replica leads the cluster now. */
    boolean leads(String cluster);

    /** Whether the cluster service can be asked about the elections now without waiting (ZooKeeper: connected). */
    boolean answering();

    /** The other replicas standing for the cluster, in the service's order (ZooKeeper: the next in line first). */
    List<String> others(String cluster);

    /** The other replica that leads the cluster, if one does. */
    Optional<String> otherLeader(String cluster);

    /** Whether another member of the cluster's election says it leads. */
    boolean takenByAnother(String cluster);

    /** Whether this replica is among the cluster's candidates. */
    boolean standing(String cluster);

    /** Stands again after leaving without meaning to (an expired ZooKeeper session): restarts the view. */
    void rejoin(String cluster) throws Exception;

    /** Leaves the cluster's election, ending this replica's leadership of it. */
    void leave(String cluster) throws Exception;

    /** Stands again for the cluster after {@link #leave}. */
    void standAgain(String cluster) throws Exception;
}

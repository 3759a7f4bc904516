package io.ontapjobs.ha;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spreading rule ({@code ontap.ha.spread}): a replica that leads more than its fair share of the ONTAP clusters,
 * ceil(clusters / live replicas), gives one up, the one whose next owner leads fewest.
 */
final class Spreading {
    private Spreading() {
    }

    /** ceil(clusters / replicas). */
    static int share(int clusters, int replicas) {
        return (clusters + replicas - 1) / replicas;
    }

    /**
     * The cluster to give up among {@code owned}, in their order (the first of equals wins): the one whose next owner
     * leads fewest clusters now. ZooKeeper elects the next candidate in line (the first of the members), Kubernetes
     * whichever candidate polls its Lease first (any of them). A cluster with no other candidate is kept.
     *
     * @param candidates the other replicas standing for each cluster, in the cluster service's order
     * @param leads      how many clusters each other replica leads
     */
    static Optional<String> giveUp(Iterable<String> owned, Map<String, List<String>> candidates, Map<String, Integer> leads,
                                   boolean inLine) {
        String give = null;
        int fewest = Integer.MAX_VALUE;
        for (String cluster : owned) {
            List<String> others = candidates.getOrDefault(cluster, List.of());
            if (others.isEmpty()) {
                continue;
            }
            int load = (inLine ? others.subList(0, 1) : others).stream().mapToInt(m -> leads.getOrDefault(m, 0)).min().orElse(0);
            if (load < fewest) {
                fewest = load;
                give = cluster;
            }
        }
        return Optional.ofNullable(give);
    }
}

package io.ontapjobs.ha;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The elections of the ONTAP clusters as a test runs them, in place of a cluster service: who stands for each
 * cluster (in line) and who leads it. The test elects; each replica sees the ballot through its {@link #of} view.
 */
final class Ballot {
    final Map<String, List<String>> standing = new HashMap<>();
    final Map<String, String> leader = new HashMap<>();
    /** What each replica did to the elections: "leave default", "stand default", "rejoin default". */
    final List<String> done = new ArrayList<>();

    Ballot stand(String replica, String... clusters) {
        for (String cluster : clusters) {
            List<String> in = standing.computeIfAbsent(cluster, c -> new ArrayList<>());
            if (!in.contains(replica)) {
                in.add(replica);
            }
        }
        return this;
    }

    /** What {@code replica} sees of the elections. */
    Elections of(String replica) {
        return new Elections() {
            @Override
            public boolean joined(String cluster) {
                return true;
            }

            @Override
            public boolean leads(String cluster) {
                return replica.equals(leader.get(cluster));
            }

            @Override
            public boolean answering() {
                return true;
            }

            @Override
            public List<String> others(String cluster) {
                return standing.getOrDefault(cluster, List.of()).stream().filter(r -> !r.equals(replica)).toList();
            }

            @Override
            public Optional<String> otherLeader(String cluster) {
                return Optional.ofNullable(leader.get(cluster)).filter(r -> !r.equals(replica));
            }

            @Override
            public boolean takenByAnother(String cluster) {
                return otherLeader(cluster).isPresent();
            }

            @Override
            public boolean standing(String cluster) {
                return standing.getOrDefault(cluster, List.of()).contains(replica);
            }

            @Override
            public void rejoin(String cluster) {
                done.add(replica + " rejoin " + cluster);
                stand(replica, cluster);
            }

            @Override
            public void leave(String cluster) {
                done.add(replica + " leave " + cluster);
                standing.getOrDefault(cluster, new ArrayList<>()).remove(replica);
                leader.remove(cluster, replica);
            }

            @Override
            public void standAgain(String cluster) {
                done.add(replica + " stand " + cluster);
                stand(replica, cluster);
            }
        };
    }
}

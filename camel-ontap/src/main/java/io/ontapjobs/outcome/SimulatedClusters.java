package io.ontapjobs.outcome;

/**
 * Which clusters are ONTAP simulators rather than real clusters, as the application knows them (the ontap-jobs
 * service: its in-process simulator). Bound in the registry, the component finds it when it starts; an outcome of such
 * a cluster has the source {@code ontap-jobs/simulator/<cluster>}, so no one mistakes it for real work. Without one,
 * no cluster is.
 */
@FunctionalInterface
public interface SimulatedClusters {
    SimulatedClusters NONE = cluster -> false;

    boolean isSimulator(String cluster);
}

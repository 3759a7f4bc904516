package io.ontapjobs.component;

import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.Cluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The component's clusters: their definitions (by endpoint or component options, by {@link ClusterConfig} beans or
 * {@link OntapComponent#addCluster}) and the clusters opened from them.
 */
final class Clusters {
    private final OntapComponent component;
    // concurrent: a cluster asked for by name (byName) is added while routes run
    private final Map<String, ClusterConfig> configured = new ConcurrentHashMap<>();
    /** Clusters defined by endpoint or component options; a name is never in both maps. */
    private final Map<String, Defined> fromOptions = new ConcurrentHashMap<>();
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();

    Clusters(OntapComponent component) {
        this.component = component;
    }

    private record Defined(OntapConfiguration options, ClusterConfig config) {
    }

    /** See {@link OntapComponent#addCluster}. */
    synchronized void addCluster(ClusterConfig cluster) {
        Defined defined = fromOptions.get(cluster.name());
        if (defined != null) {
            throw twice(defined.config(), cluster);
        }
        configured.put(cluster.name(), cluster);
    }

    /** One name, two definitions: the context stops, naming both (a test must not run against the wrong one silently). */
    private static IllegalArgumentException twice(ClusterConfig byOptions, ClusterConfig byConfig) {
        return new IllegalArgumentException("cluster '" + byOptions.name() + "' is defined twice: by the option url ("
                + byOptions.url() + ", an endpoint's or the component's, camel.component.ontap.url) and by a ClusterConfig"
                + " (addCluster or a registry bean, e.g. the ontap-jobs service's ontap.clusters." + byOptions.name() + ".*: "
                + byConfig.url() + "); define it one way");
    }

    /** The opened cluster of that config's name, opened on first use. */
    Cluster open(String name, ClusterConfig config, Function<ClusterConfig, Cluster> open) {
        return clusters.computeIfAbsent(name, n -> open.apply(config));
    }

    /** Whether endpoint or component options define the cluster. */
    boolean byOptions(String name) {
        return fromOptions.containsKey(name);
    }

    /**
     * An endpoint whose options give {@code url} (its own, or the component's for {@code default}) defines the cluster
     * it names; every endpoint defining the same name must define it alike, and no {@link ClusterConfig} may define it
     * too.
     *
     * @throws IllegalArgumentException naming the option at fault, or both definitions
     */
    synchronized void define(String name, OntapConfiguration options) {
        if (options.getUrl() == null) {
            List<String> set = ConnectionOptions.set(options);
            if (!set.isEmpty()) {
                // a password alone must not be taken for another cluster's
                throw new IllegalArgumentException("option " + set.get(0) + ": set, but url is not; the connection options"
                        + " define cluster '" + name + "' together with url only");
            }
            return;
        }
        Defined earlier = fromOptions.get(name);
        if (earlier != null) {
            String differs = ConnectionOptions.firstDifference(earlier.options(), options);
            if (differs != null) {
                throw new IllegalArgumentException("option " + differs + ": another endpoint defines cluster '" + name
                        + "' with a different " + differs + "; one name is one cluster (give this one another name)");
            }
            return;
        }
        ClusterConfig config = ConnectionOptions.clusterConfig(options, name);
        ClusterConfig other = configured.get(name);
        if (other == null && component.getCamelContext() != null) {
            other = fromRegistry(name);
        }
        if (other != null) {
            throw twice(config, other);
        }
        if (config.insecure()) {
            OntapComponent.warnInsecure(config);
        }
        fromOptions.put(name, new Defined(options.copy(), config));
    }

    /** Takes the registry's {@link ClusterConfig} beans; the component's url and a bean must not both define default. */
    synchronized void load() {
        for (ClusterConfig bean : component.getCamelContext().getRegistry().findByType(ClusterConfig.class)) {
            Defined defined = fromOptions.get(bean.name());
            if (defined != null) {
                throw twice(defined.config(), bean);
            }
            configured.putIfAbsent(bean.name(), bean);
        }
        if (componentUrl() && configured.containsKey("default") && !fromOptions.containsKey("default")) {
            throw twice(ConnectionOptions.clusterConfig(component.getConfiguration(), "default"), configured.get("default"));
        }
    }

    ClusterConfig configOrNull(String name) {
        Defined defined = fromOptions.get(name);
        if (defined != null) {
            return defined.config();
        }
        if ("default".equals(name) && componentUrl() && !configured.containsKey(name)) {
            define(name, component.getConfiguration().copy()); // the component's options, before (or without) an endpoint naming default
            return fromOptions.get(name).config();
        }
        ClusterConfig config = configured.get(name);
        if (config == null && component.getCamelContext() != null) {
            config = fromRegistry(name);
        }
        return config;
    }

    /** A {@link ClusterConfig} bean of that name, bound after {@link OntapComponent#loadConfiguration()} ran. */
    private ClusterConfig fromRegistry(String name) {
        for (ClusterConfig bean : component.getCamelContext().getRegistry().findByType(ClusterConfig.class)) {
            if (bean.name().equals(name)) {
                ClusterConfig first = configured.putIfAbsent(name, bean);
                return first != null ? first : bean;
            }
        }
        return null;
    }

    /** Whether the component's own options give a url: they define cluster {@code default}. */
    private boolean componentUrl() {
        OntapConfiguration configuration = component.getConfiguration();
        return configuration != null && configuration.getUrl() != null;
    }

    /** The configured cluster names. */
    java.util.Set<String> names() {
        java.util.Set<String> names = new java.util.HashSet<>(configured.keySet());
        names.addAll(fromOptions.keySet());
        if (componentUrl()) {
            names.add("default");
        }
        return java.util.Set.copyOf(names);
    }

    /** Whether any cluster is configured. */
    boolean any() {
        return !configured.isEmpty() || !fromOptions.isEmpty() || componentUrl();
    }

    /** The insecure clusters defined by a {@link ClusterConfig} (those by options were said when defined). */
    void warnInsecureConfigs() {
        for (ClusterConfig c : configured.values()) {
            if (c.insecure() && !fromOptions.containsKey(c.name())) {
                OntapComponent.warnInsecure(c);
            }
        }
    }

    /** Stops and closes every opened cluster, and forgets them. */
    void closeAll() {
        for (Cluster c : clusters.values()) {
            c.tracker().stop();
            c.client().close();
            component.getCamelContext().getExecutorServiceManager().shutdown(c.calls());
        }
        clusters.clear();
    }
}

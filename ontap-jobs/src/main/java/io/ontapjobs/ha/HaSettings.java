package io.ontapjobs.ha;

import io.ontapjobs.policy.Durations;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code ontap.ha.*}: several replicas of the service on one PostgreSQL database and one external broker, one owner
 * per ONTAP cluster at a time, chosen by one of Camel's cluster services (docs/operating.md).
 *
 * @param kind            {@code ontap.ha.cluster-service}: file, kubernetes or zookeeper
 * @param replica         {@code ontap.ha.replica-id}: this replica's name (default: the host name, a pod's name)
 * @param leaseDuration   {@code ontap.ha.lease-duration}: how long an owner that stopped renewing keeps its clusters
 * @param renewInterval   {@code ontap.ha.renew-interval}: how often an owner renews, and the others look
 * @param fileRoot        {@code ontap.ha.file.root}: the shared folder of the lock files (file)
 * @param zookeeperNodes  {@code ontap.ha.zookeeper.nodes}: host:port,host:port (zookeeper)
 * @param kubernetesUrl   {@code ontap.ha.kubernetes.master-url}: the API server, outside a cluster only (kubernetes)
 * @param kubernetesNamespace {@code ontap.ha.kubernetes.namespace}: where the Leases are (default: the pod's own)
 * @param kubernetesLabels {@code ontap.ha.kubernetes.pod-labels}: the replicas' pods; only those Running and Ready
 *                         (and among them this one, named {@code replica}) may hold a Lease
 * @param spread          {@code ontap.ha.spread}: whether a replica that owns more than its fair share of the ONTAP
 *                        clusters gives the extra ones up, for the others to take over (default true; the file
 *                        cluster service cannot tell how many replicas there are, so it never spreads)
 */
public record HaSettings(String kind, String replica, Duration leaseDuration, Duration renewInterval, String fileRoot,
                         String zookeeperNodes, String kubernetesUrl, String kubernetesNamespace,
                         java.util.Map<String, String> kubernetesLabels, boolean spread) {
    public static final String KEY = "ontap.ha.cluster-service";
    static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);
    static final Duration DEFAULT_RENEW = Duration.ofSeconds(2);
    /** The cluster services' views are named after the ONTAP cluster they choose an owner for. */
    static final String VIEW_PREFIX = "ontap-cluster-";

    /**
     * The settings when {@code ontap.ha.cluster-service} is set; empty for a single instance.
     *
     * @throws IllegalArgumentException naming the key of a mistake
     */
    public static Optional<HaSettings> read(Function<String, Optional<String>> property) {
        Function<String, Optional<String>> get = k -> property.apply(k).map(String::strip).filter(v -> !v.isEmpty());
        Optional<String> kind = get.apply(KEY).map(v -> v.toLowerCase(Locale.ROOT));
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        if (!kind.get().matches("file|kubernetes|zookeeper")) {
            throw new IllegalArgumentException(KEY + ": '" + kind.get() + "' is not one of file, kubernetes, zookeeper"
                    + " (unset: a single instance)");
        }
        Duration lease = duration(get, "ontap.ha.lease-duration", DEFAULT_LEASE);
        Duration renew = duration(get, "ontap.ha.renew-interval", DEFAULT_RENEW);
        if (renew.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("ontap.ha.renew-interval: " + Durations.format(renew) + " is too short (at least 100ms)");
        }
        // Kubernetes' rule: the lease outlasts the renew deadline (2/3 of it), which outlasts a retry with its jitter
        if (renew.multipliedBy(18).compareTo(lease.multipliedBy(10)) >= 0) {
            throw new IllegalArgumentException("ontap.ha.renew-interval: " + Durations.format(renew) + " is too long for"
                    + " ontap.ha.lease-duration " + Durations.format(lease) + " (at most a little over half of it: the owner"
                    + " must renew more than once per lease)");
        }
        String replica = get.apply("ontap.ha.replica-id").orElseGet(HaSettings::hostName);
        if (!replica.matches("[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?")) {
            throw new IllegalArgumentException("ontap.ha.replica-id: '" + replica + "' is not a name (letters, digits, '.', '_'"
                    + " and '-', at most 253)");
        }
        String root = null;
        String nodes = null;
        switch (kind.get()) {
            case "file" -> root = get.apply("ontap.ha.file.root").orElseThrow(() -> new IllegalArgumentException(
                    "ontap.ha.file.root: missing; the file cluster service needs a folder all replicas share (one host, or a"
                            + " shared file system with working locks)"));
            case "zookeeper" -> nodes = get.apply("ontap.ha.zookeeper.nodes").orElseThrow(() -> new IllegalArgumentException(
                    "ontap.ha.zookeeper.nodes: missing; the zookeeper cluster service needs the ensemble, e.g."
                            + " zk1:2181,zk2:2181,zk3:2181"));
            default -> { }
        }
        String spread = get.apply("ontap.ha.spread").orElse("true");
        if (!spread.equalsIgnoreCase("true") && !spread.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("ontap.ha.spread: '" + spread + "' is not true or false");
        }
        return Optional.of(new HaSettings(kind.get(), replica, lease, renew, root, nodes,
                get.apply("ontap.ha.kubernetes.master-url").orElse(null), get.apply("ontap.ha.kubernetes.namespace").orElse(null),
                labels(get.apply("ontap.ha.kubernetes.pod-labels").orElse(DEFAULT_LABELS)), Boolean.parseBoolean(spread)));
    }

    /**
     * Whether this cluster service can spread the ONTAP clusters: it must tell how many replicas there are. Camel's
     * file views list no members ({@code FileLockClusterView.getMembers()} is empty), so with file locks the first
     * replica to take a cluster keeps it.
     */
    public boolean spreads() {
        return spread && ClusterServices.capabilities(kind).listsMembers();
    }

    static final String DEFAULT_LABELS = "app.kubernetes.io/name=ontap-jobs";

    private static java.util.Map<String, String> labels(String text) {
        java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (String pair : text.split(",")) {
            String[] kv = pair.strip().split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new IllegalArgumentException("ontap.ha.kubernetes.pod-labels: '" + text + "' is not a list of name=value"
                        + " (e.g. " + DEFAULT_LABELS + ")");
            }
            labels.put(kv[0].strip(), kv[1].strip());
        }
        return java.util.Map.copyOf(labels);
    }

    private static Duration duration(Function<String, Optional<String>> get, String key, Duration otherwise) {
        try {
            Duration d = get.apply(key).map(Durations::parse).orElse(otherwise);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("must be more than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** A pod's name is its host name; elsewhere the machine's. */
    static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("ontap.ha.replica-id: not set, and the host name cannot be read (" + e.getMessage() + ")", e);
        }
    }
}

package io.ontapjobs.observe;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.store.OperationStore;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health checks (readiness at /observe/health/ready): each cluster reachable and accepting our credentials
 * (a 401 makes the service not ready), the store writable, the broker accepting connections, the outcome backlog
 * below a threshold.
 */
public final class Health {
    /** A cluster is asked at most this often; readiness probes must not load the cluster. */
    static final Duration CLUSTER_CHECK_INTERVAL = Duration.ofSeconds(10);

    private Health() {
    }

    public static void register(CamelContext context, OntapComponent ontap, OperationStore store, Collection<String> sinks, long maxPending) {
        register(context, ontap, store, sinks, maxPending, true);
    }

    /**
     * @param clustersGateReadiness false for one replica of several: a replica that cannot reach an ONTAP cluster still
     *                              takes requests and runs the other clusters' operations, and on Kubernetes a pod that
     *                              is not Ready may hold no Lease, so one unreachable cluster would leave all without owner
     */
    public static void register(CamelContext context, OntapComponent ontap, OperationStore store, Collection<String> sinks,
                                long maxPending, boolean clustersGateReadiness) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            return; // health checks not enabled (camel.health.enabled)
        }
        for (String cluster : ontap.clusterNames()) {
            registry.register(new ClusterCheck(ontap, cluster, clustersGateReadiness));
        }
        registry.register(new AbstractHealthCheck("ontap", "store") {
            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                try {
                    store.heartbeat();
                    builder.up();
                } catch (RuntimeException e) {
                    builder.message("store not writable: " + e.getMessage()).down();
                }
            }
        });
        registry.register(new AbstractHealthCheck("ontap", "outbox") {
            @Override
            public boolean isLiveness() {
                return false; // a backlog is no reason to restart the service
            }

            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                for (String sink : sinks) {
                    long pending = store.outbox().pending(sink);
                    builder.detail("pending." + sink, pending);
                    if (pending > maxPending) {
                        builder.message(pending + " outcomes waiting for " + sink + " (more than " + maxPending + ")").down();
                        return;
                    }
                }
                builder.up();
            }
        });
    }

    /**
     * The broker the jms component uses (embedded or {@code ontap.broker.url}) accepts a connection: one opened and
     * closed on the broker's own factory, not the cached connection the routes share, which the check never disturbs.
     */
    public static void registerBroker(CamelContext context, ConnectionFactory factory, String broker) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            return;
        }
        registry.register(new RememberedCheck("broker", BROKER_CHECK_INTERVAL) {
            @Override
            String probe() {
                try (Connection c = factory.createConnection()) {
                    c.start();
                    return null;
                } catch (jakarta.jms.JMSSecurityException e) {
                    // reachable, but our credentials are wrong: say so, the fix is a different one
                    return broker + " refused the login of ontap.broker.user: " + e.getMessage();
                } catch (JMSException | RuntimeException e) {
                    return broker + " is unreachable: " + e.getMessage();
                }
            }
        });
    }

    /** A broker is cheap to ask, but a readiness probe every second must not open a connection every second. */
    static final Duration BROKER_CHECK_INTERVAL = Duration.ofSeconds(2);

    /** A readiness check whose probe is remembered for an interval. */
    abstract static class RememberedCheck extends AbstractHealthCheck {
        private final Duration interval;
        private volatile long checkedAt;
        private volatile String problem;

        RememberedCheck(String id, Duration interval) {
            super("ontap", id);
            this.interval = interval;
        }

        /** @return null when healthy, else the problem in one line */
        abstract String probe();

        @Override
        public boolean isLiveness() {
            return false; // a dependency that is down is not cured by restarting us
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            long now = System.nanoTime();
            if (checkedAt == 0 || now - checkedAt > interval.toNanos()) {
                problem = probe();
                checkedAt = now;
            }
            if (problem == null) {
                builder.up();
            } else {
                builder.message(problem).down();
            }
        }
    }

    /** GET /api/cluster?fields=version, remembered for a while. */
    static final class ClusterCheck extends RememberedCheck {
        private final OntapComponent ontap;
        private final String cluster;

        private final boolean readiness;

        ClusterCheck(OntapComponent ontap, String cluster, boolean readiness) {
            super("cluster-" + cluster, CLUSTER_CHECK_INTERVAL);
            this.ontap = ontap;
            this.cluster = cluster;
            this.readiness = readiness;
        }

        @Override
        public boolean isReadiness() {
            return readiness;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("cluster", cluster);
            if (ontap.isSimulator(cluster)) {
                builder.detail("simulator", "the in-process ONTAP simulator, not a real cluster");
            }
            super.doCall(builder, options);
        }

        @Override
        String probe() {
            try {
                OntapResponse r = ontap.cluster(cluster).client().get("/api/cluster", Map.of("fields", "version"));
                if (r.status() == 401 || r.status() == 403) {
                    return "cluster " + cluster + " refuses our credentials (HTTP " + r.status() + ")";
                }
                return r.status() >= 500 ? "cluster " + cluster + " answers HTTP " + r.status() : null;
            } catch (ClusterCallException e) {
                return "cluster " + cluster + " unreachable: " + e.getMessage();
            }
        }
    }
}

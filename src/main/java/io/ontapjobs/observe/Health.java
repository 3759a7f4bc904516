package io.ontapjobs.observe;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.store.OperationStore;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health checks (readiness at /observe/health/ready): each cluster reachable and accepting our credentials
 * (a 401 makes the service not ready), the store writable, the outcome backlog below a threshold.
 */
public final class Health {
    /** A cluster is asked at most this often; readiness probes must not load the cluster. */
    static final Duration CLUSTER_CHECK_INTERVAL = Duration.ofSeconds(10);

    private Health() {
    }

    public static void register(CamelContext context, OntapComponent ontap, OperationStore store, Collection<String> sinks, long maxPending) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            return; // health checks not enabled (camel.health.enabled)
        }
        for (String cluster : ontap.clusterNames()) {
            registry.register(new ClusterCheck(ontap, cluster));
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
                    long pending = store.pending(sink);
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

    /** GET /api/cluster?fields=version, remembered for a while. */
    static final class ClusterCheck extends AbstractHealthCheck {
        private final OntapComponent ontap;
        private final String cluster;
        private volatile long checkedAt;
        private volatile String problem;

        ClusterCheck(OntapComponent ontap, String cluster) {
            super("ontap", "cluster-" + cluster);
            this.ontap = ontap;
            this.cluster = cluster;
        }

        @Override
        public boolean isLiveness() {
            return false; // an unreachable cluster is not cured by restarting us
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            long now = System.nanoTime();
            if (checkedAt == 0 || now - checkedAt > CLUSTER_CHECK_INTERVAL.toNanos()) {
                problem = probe();
                checkedAt = now;
            }
            builder.detail("cluster", cluster);
            if (problem == null) {
                builder.up();
            } else {
                builder.message(problem).down();
            }
        }

        private String probe() {
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

package io.ontapjobs.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@link OntapMetrics} in a Micrometer registry: the product's own metrics, next to Camel's route metrics in the same Micrometer registry (exposed by Camel's
 * management server at /observe/metrics in Prometheus format). Names: {@code ontap_*}.
 */
public final class MicrometerMetrics implements OntapMetrics {
    private final MeterRegistry registry;
    private final java.util.Map<String, LastMinute> lastMinute = new java.util.concurrent.ConcurrentHashMap<>();

    public MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A call to the jobs endpoint and how it was answered: the HTTP status, or {@code error} when none came. */
    @Override
    public void jobsRequest(String cluster, String status) {
        Counter.builder("ontap.jobs.requests").description("Requests to the cluster's jobs endpoint")
                .tag("cluster", cluster).tag("status", status).register(registry).increment();
        // the rate over the last minute, which a counter read from outside (the page) cannot give before a minute of samples
        lastMinute.computeIfAbsent(cluster, c -> {
            LastMinute window = new LastMinute();
            Gauge.builder("ontap.jobs.requests.last.minute", window, LastMinute::count)
                    .description("Requests to the cluster's jobs endpoint in the last 60 s").tag("cluster", c).register(registry);
            return window;
        }).add(System.currentTimeMillis());
    }

    /** Counts in 60 one-second buckets: what happened in the last minute, without keeping each event. */
    static final class LastMinute {
        private final long[] second = new long[60];
        private final long[] count = new long[60];

        synchronized void add(long nowMillis) {
            long s = nowMillis / 1000;
            int i = (int) (s % 60);
            if (second[i] != s) {
                second[i] = s;
                count[i] = 0;
            }
            count[i]++;
        }

        synchronized double count() {
            return count(System.currentTimeMillis());
        }

        synchronized double count(long nowMillis) {
            long s = nowMillis / 1000;
            long sum = 0;
            for (int i = 0; i < 60; i++) {
                if (s - second[i] < 60) {
                    sum += count[i];
                }
            }
            return sum;
        }
    }

    /** Time from the job's end (ONTAP's end_time, one-second precision) to our noticing it. */
    @Override
    public void detected(String cluster, Duration latency) {
        Timer.builder("ontap.job.detection").description("Time from a job's end_time to its end being noticed")
                .tag("cluster", cluster).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(50)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry).record(latency.isNegative() ? Duration.ZERO : latency);
    }

    @Override
    public void eventsPoll(String cluster, String status) {
        Counter.builder("ontap.events.polls").description("Polls of the cluster's EMS log, by result")
                .tag("cluster", cluster).tag("status", status).register(registry).increment();
    }

    @Override
    public void eventReceived(String cluster, String name) {
        Counter.builder("ontap.events.received").description("EMS events taken by consumers, by message name")
                .tag("cluster", cluster).tag("name", name == null ? "" : name).register(registry).increment();
    }

    @Override
    public void eventFailed(String cluster, String name) {
        Counter.builder("ontap.events.failed").description("EMS events whose route failed and that were skipped")
                .tag("cluster", cluster).tag("name", name == null ? "" : name).register(registry).increment();
    }

    @Override
    public void eventsGap(String cluster, String node, long missed) {
        Counter.builder("ontap.events.gaps").description("Gaps in a node's EMS events: events never read")
                .tag("cluster", cluster).tag("node", node).register(registry).increment();
        Counter.builder("ontap.events.missed").description("Events known to have fallen off a node's EMS log unread")
                .tag("cluster", cluster).tag("node", node).register(registry).increment(missed);
    }

    @Override
    public void outcome(String cluster, String status, int attempts) {
        Counter.builder("ontap.outcomes").description("Operations ended, by outcome status")
                .tag("cluster", cluster).tag("status", status).register(registry).increment();
        DistributionSummary.builder("ontap.operation.attempts").description("Triggers per operation")
                .tag("cluster", cluster).register(registry).record(attempts);
    }

    @Override
    public void deliveryFailed(String sink) {
        Counter.builder("ontap.deliveries.failed").description("Outcome deliveries that failed (each retry counts)")
                .tag("sink", sink).register(registry).increment();
    }

    @Override
    public void gauge(String name, String description, String tagKey, String tagValue, String tag2Key, String tag2Value, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag(tagKey, tagValue).tag(tag2Key, tag2Value).register(registry);
    }

    @Override
    public void gauge(String name, String description, String tagKey, String tagValue, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag(tagKey, tagValue).register(registry);
    }

    /**
     * The application's {@link MeterRegistry} when it has one (camel-micrometer binds it), else none. Called only when
     * Micrometer is on the class path.
     */
    static OntapMetrics fromRegistry(org.apache.camel.CamelContext context) {
        MeterRegistry registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        return registry == null ? OntapMetrics.NONE : new MicrometerMetrics(registry);
    }
}

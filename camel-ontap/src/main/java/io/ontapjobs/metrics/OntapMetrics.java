package io.ontapjobs.metrics;

import java.time.Duration;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;

/**
 * What the component counts: requests to each cluster's jobs endpoint, how late a job's end was noticed, outcomes,
 * failed deliveries, and gauges. The component uses the {@code OntapMetrics} bean of the registry; else, when
 * Micrometer is on the class path and the registry holds a {@code MeterRegistry}, {@link MicrometerMetrics}
 * ({@code ontap_*} meters); else {@link #NONE}.
 */
public interface OntapMetrics {
    OntapMetrics NONE = new OntapMetrics() {
    };

    /** A call to the jobs endpoint and how it was answered: the HTTP status, or {@code error} when none came. */
    default void jobsRequest(String cluster, String status) {
    }

    /** Time from the job's end (ONTAP's end_time, one-second precision) to our noticing it. */
    default void detected(String cluster, Duration latency) {
    }

    default void outcome(String cluster, String status, int attempts) {
    }

    default void deliveryFailed(String sink) {
    }

    /** An EMS poll of the cluster: {@code ok} or {@code error}. */
    default void eventsPoll(String cluster, String status) {
    }

    /** An EMS event taken by a consumer (by its message name). */
    default void eventReceived(String cluster, String name) {
    }

    /** An EMS event whose route failed after its error handler gave up: skipped. */
    default void eventFailed(String cluster, String name) {
    }

    /** Events of a node that were never read (fallen off its log; 0 when unknown, e.g. a node replaced or renumbered). */
    default void eventsGap(String cluster, String node, long missed) {
    }

    default void gauge(String name, String description, String tagKey, String tagValue, String tag2Key, String tag2Value,
                       Supplier<Number> value) {
    }

    default void gauge(String name, String description, String tagKey, String tagValue, Supplier<Number> value) {
    }

    /** The metrics the component uses in this context (see the class comment). */
    static OntapMetrics lookup(CamelContext context) {
        OntapMetrics bound = context.getRegistry().findSingleByType(OntapMetrics.class);
        if (bound != null) {
            return bound;
        }
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, OntapMetrics.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return NONE;
        }
        return MicrometerMetrics.fromRegistry(context);
    }
}

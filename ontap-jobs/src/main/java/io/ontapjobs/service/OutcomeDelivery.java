package io.ontapjobs.service;

import io.ontapjobs.broker.EmbeddedBroker;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.files.FileModes;
import io.ontapjobs.ha.HaSettings;
import io.ontapjobs.ha.HighAvailability;
import io.ontapjobs.store.Fencing;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.observe.Health;
import io.ontapjobs.outbox.EndpointSink;
import io.ontapjobs.outbox.Outbox;
import io.ontapjobs.outbox.Sink;
import io.ontapjobs.outbox.WebhookSink;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.store.OperationStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store and what delivers from it: the {@code ontap} component records each step in the database (H2 or
 * PostgreSQL), an ended operation's outcome is queued for every sink in the same transaction, and one thread per sink
 * delivers the queue. Without a store ({@code validate}) the component keeps operations in memory.
 *
 * <p>Part of {@link OntapJobsConfiguration}; route tests that run the service's routes without its API and broker
 * use it alone ({@code @CamelMainTest(configurationClasses = OutcomeDelivery.class)}).
 */
public final class OutcomeDelivery implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeDelivery.class);

    @Override
    public void configure(CamelContext context) {
        install(context, context.getComponent("ontap", OntapComponent.class));
    }

    /** Delivery from the store's outbox: starts with the context, stops with it (and closes the store). */
    private static final class Delivering extends ServiceSupport {
        private final CamelContext context;
        private final OntapComponent ontap;
        private final OperationStore store;
        private final Map<String, Sink> sinks;
        private final Outbox.Settings settings;
        private final List<ScheduledExecutorService> threads = new ArrayList<>();

        Delivering(CamelContext context, OntapComponent ontap, OperationStore store, Map<String, Sink> sinks, Outbox.Settings settings) {
            this.context = context;
            this.ontap = ontap;
            this.store = store;
            this.sinks = sinks;
            this.settings = settings;
        }

        @Override
        protected void doStart() {
            OntapMetrics metrics = OntapMetrics.lookup(context); // Camel binds its MeterRegistry while it starts
            Outbox outbox = new Outbox(store, sinks, settings.maxAge(), settings.deadLetters(), metrics, settings.fileMode());
            for (String sink : sinks.keySet()) {
                metrics.gauge("ontap.deliveries.pending", "Outcome deliveries not yet acknowledged", "sink", sink, () -> store.outbox().pending(sink));
            }
            boolean replicas = context.getRegistry().lookupByName("ontapClusterOwnership") != null;
            Health.register(context, ontap, store, sinks.keySet(), settings.maxPending(), !replicas);
            // one thread per sink, none shared with tracking: a webhook timing out must not delay polls or other sinks
            for (String sink : sinks.keySet()) {
                ScheduledExecutorService delivery = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ontap-outbox-" + sink);
                threads.add(delivery);
                delivery.scheduleWithFixedDelay(() -> {
                    try {
                        outbox.deliverDue(sink);
                    } catch (RuntimeException e) {
                        LOG.error("Outbox delivery to {} failed: {}", sink, e.getMessage());
                    }
                }, 200, 200, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        protected void doStop() {
            threads.forEach(context.getExecutorServiceManager()::shutdown);
            threads.clear();
            // Camel stops its services before its components: stop the component first, so that no step of an operation
            // still running is recorded into a closed store
            ontap.stop();
            store.close();
        }
    }

    /** Opens the store and hands it to the component; delivery starts with the context and stops with it. */
    static void install(CamelContext context, OntapComponent ontap) {
        install(context, ontap, null);
    }

    /**
     * As {@link #install(CamelContext, OntapComponent)}; with {@code ha}, as one replica of several: its steps fenced by
     * the epochs of the clusters it owns ({@link HighAvailability}).
     */
    static void install(CamelContext context, OntapComponent ontap, HaSettings ha) {
        var props = context.getPropertiesComponent();
        String fileMode;
        try {
            fileMode = FileModes.check(props.resolveProperty(FileModes.KEY).orElse(FileModes.DEFAULT));
        } catch (IllegalArgumentException e) {
            throw new OntapJobsConfiguration.ConfigurationError(e.getMessage(), e);
        }
        OperationStore store = OperationStore.configured(k -> props.resolveProperty(k));
        if (store == null) {
            return;
        }
        Map<String, Sink> sinks;
        try {
            sinks = sinks(context, fileMode);
        } catch (IllegalArgumentException e) { // a sink's key at fault (named in the message): one line, exit 2
            throw new OntapJobsConfiguration.ConfigurationError(e.getMessage(), e);
        }
        Fencing fencing = ha == null ? null : new Fencing(ha.replica());
        ontap.setOperationRepository(store.repository(List.copyOf(sinks.keySet()), fencing));
        // the EMS consumers' bookmarks next to the operations, fenced like their steps (bound for whoever looks it up)
        ontap.setEventBookmarks(store.eventBookmarks(fencing));
        context.getRegistry().bind("ontapEventBookmarks", io.ontapjobs.events.EventBookmarks.class, ontap.getEventBookmarks());
        Duration maxAge = props.resolveProperty("ontap.outcomes.webhook.max-age").map(Durations::parse).orElse(Duration.ofHours(24));
        // beside the local state: with a JDBC URL the store is no folder to put them in
        String localState = props.resolveProperty("ontap.state.dir").filter(d -> !d.isBlank()).orElse("data");
        Optional<String> deadLetterDir = props.resolveProperty("ontap.outcomes.dead-letter.dir").filter(d -> !d.isBlank());
        if (deadLetterDir.isEmpty()) {
            FileModes.privateDirectory(Path.of(localState), "State directory");
        }
        Path deadLetters = Path.of(deadLetterDir.orElse(Path.of(localState, "dead-letter").toString()));
        long maxPending = props.resolveProperty("ontap.health.max-pending-deliveries").map(Long::parseLong).orElse(1000L);
        LOG.info("Store: {}; outcomes to {}", location(context), sinks.keySet());
        try {
            context.addService(new Delivering(context, ontap, store, sinks,
                    new Outbox.Settings(maxAge, deadLetters, fileMode, maxPending)), true, false);
        } catch (Exception e) {
            store.close();
            throw new IllegalStateException(e);
        }
        if (ha != null) { // added after delivery: stops before it, so that no step is recorded into a closed store
            HighAvailability.install(context, ontap, store, fencing, ha);
        }
    }

    /**
     * The outcome sinks: {@code file} when {@code ontap.outcomes.dir} is set, {@code jsonl} for
     * {@code ontap.outcomes.jsonl}, {@code jms} for the outcomes queue, and {@code webhook-N} for each URL in
     * {@code ontap.outcomes.webhook.url} (comma-separated), signed with {@code ontap.outcomes.webhook.secret}.
     */
    private static Map<String, Sink> sinks(CamelContext context, String fileMode) {
        var props = context.getPropertiesComponent();
        var template = context.createProducerTemplate();
        Map<String, Sink> sinks = new LinkedHashMap<>();
        props.resolveProperty("ontap.outcomes.dir").filter(d -> !d.isBlank())
                .ifPresent(d -> sinks.put("file", EndpointSink.files(template, d, fileMode)));
        props.resolveProperty("ontap.outcomes.jsonl").filter(f -> !f.isBlank())
                .ifPresent(f -> sinks.put("jsonl", EndpointSink.jsonLines(template, Path.of(f), fileMode)));
        // the outcomes queue, when the service connected the jms component to a broker (embedded or ontap.broker.url)
        if (context.hasComponent("jms") instanceof JmsComponent j && j.getConnectionFactory() != null) {
            props.resolveProperty("ontap.outcomes.queue").filter(q -> !q.isBlank())
                    .ifPresent(q -> sinks.put("jms", new EndpointSink(template, EmbeddedBroker.outcomesSinkUri(q))));
        }
        String secret = props.resolveProperty("ontap.outcomes.webhook.secret").filter(v -> !v.isBlank()).orElse(null);
        Duration timeout = props.resolveProperty("ontap.outcomes.webhook.timeout").map(Durations::parse).orElse(Duration.ofSeconds(10));
        String[] urls = props.resolveProperty("ontap.outcomes.webhook.url").orElse("").split(",");
        int n = 0;
        for (String url : urls) {
            if (!url.isBlank()) {
                sinks.put("webhook-" + (++n), new WebhookSink(template, url.trim(), secret, timeout, java.time.Clock.systemUTC()));
            }
        }
        return sinks;
    }

    private static String location(CamelContext context) {
        var props = context.getPropertiesComponent();
        return props.resolveProperty("ontap.state.jdbc-url").filter(u -> !u.isBlank())
                .map(u -> u.replaceAll("(?i)(password=)[^;&]*", "$1***"))
                .orElseGet(() -> props.resolveProperty("ontap.state.dir").orElse(""));
    }
}

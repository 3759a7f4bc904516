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
    /** How often each sink's outbox looks for due deliveries besides its wake-ups (retries, other replicas' outcomes). */
    private static final long POLL_MS = 200;
    /** How long a wake-up waits, so that outcomes ended together are claimed as one batch. */
    private static final long WAKE_DELAY_MS = 10;

    @Override
    public void configure(CamelContext context) {
        Settings settings = Settings.read(context);
        OntapComponent ontap = context.getComponent("ontap", OntapComponent.class);
        settings.clusters().values().forEach(ontap::addCluster); // ontap.clusters.<name>.*: the service's, not the component's
        try {
            ServicePolicies.apply(context, ontap, settings.policies());
        } catch (java.io.IOException | RuntimeException e) {
            throw new OntapJobsConfiguration.ConfigurationError(e.getMessage(), e);
        }
        install(context, ontap, null, settings);
    }

    /** Delivery from the store's outbox: starts with the context, stops with it (and closes the store). */
    private static final class Delivering extends ServiceSupport {
        private final CamelContext context;
        private final OntapComponent ontap;
        private final OperationStore store;
        private final Map<String, Sink> sinks;
        private final Outbox.Settings settings;
        private final List<ScheduledExecutorService> threads = new ArrayList<>();
        private volatile boolean stopping;

        Delivering(CamelContext context, OntapComponent ontap, OperationStore store, Map<String, Sink> sinks, Outbox.Settings settings) {
            this.context = context;
            this.ontap = ontap;
            this.store = store;
            this.sinks = sinks;
            this.settings = settings;
        }

        @Override
        protected void doStart() {
            stopping = false;
            OntapMetrics metrics = OntapMetrics.lookup(context); // Camel binds its MeterRegistry while it starts
            Outbox outbox = new Outbox(store, sinks, settings.maxAge(), settings.deadLetters(), metrics, settings.fileMode());
            for (String sink : sinks.keySet()) {
                metrics.gauge("ontap.deliveries.pending", "Outcome deliveries not yet acknowledged", "sink", sink, () -> store.outbox().pending(sink));
            }
            boolean replicas = context.getRegistry().lookupByName("ontapClusterOwnership") != null;
            Health.register(context, ontap, store, sinks.keySet(), settings.maxPending(), !replicas);
            // one thread per sink, none shared with tracking: a webhook timing out must not delay polls or other sinks
            List<Runnable> wakes = new ArrayList<>();
            for (String sink : sinks.keySet()) {
                ScheduledExecutorService delivery = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "ontap-outbox-" + sink);
                threads.add(delivery);
                Runnable deliverDue = () -> {
                    try {
                        outbox.deliverDue(sink);
                    } catch (RuntimeException e) {
                        LOG.error("Outbox delivery to {} failed: {}", sink, e.getMessage());
                    }
                };
                // the poll: deliveries due again after a backoff, and those other replicas queued
                delivery.scheduleWithFixedDelay(deliverDue, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
                // the wake-up: an outcome stored here is delivered at once, not at the next poll. At most one wake-up
                // waits per sink, a few milliseconds, so that the outcomes ended meanwhile go in the same batch
                java.util.concurrent.atomic.AtomicBoolean waiting = new java.util.concurrent.atomic.AtomicBoolean();
                wakes.add(() -> {
                    if (!delivery.isShutdown() && waiting.compareAndSet(false, true)) {
                        delivery.schedule(() -> {
                            waiting.set(false);
                            if (!stopping) { // a delayed task still runs after its executor's shutdown: not into a closed store
                                deliverDue.run();
                            }
                        }, WAKE_DELAY_MS, TimeUnit.MILLISECONDS);
                    }
                });
            }
            store.outbox().onQueued(() -> wakes.forEach(Runnable::run));
        }

        @Override
        protected void doStop() {
            stopping = true;
            threads.forEach(context.getExecutorServiceManager()::shutdown);
            threads.clear();
            // Camel stops its services before its components: stop the component first, so that no step of an operation
            // still running is recorded into a closed store
            ontap.stop();
            store.close();
        }
    }

    /**
     * Opens the store and hands it to the component; delivery starts with the context and stops with it. With {@code ha}, as one replica of several: its steps fenced by
     * the epochs of the clusters it owns ({@link HighAvailability}).
     */
    static void install(CamelContext context, OntapComponent ontap, HaSettings ha, Settings settings) {
        String fileMode;
        try {
            fileMode = FileModes.check(settings.filesMode());
        } catch (IllegalArgumentException e) {
            throw new OntapJobsConfiguration.ConfigurationError(e.getMessage(), e);
        }
        OperationStore store = OperationStore.configured(settings.state().lookup());
        if (store == null) {
            return;
        }
        Map<String, Sink> sinks;
        try {
            sinks = sinks(context, fileMode, settings.outcomes());
        } catch (IllegalArgumentException e) { // a sink's key at fault (named in the message): one line, exit 2
            throw new OntapJobsConfiguration.ConfigurationError(e.getMessage(), e);
        }
        Fencing fencing = ha == null ? null : new Fencing(ha.replica());
        ontap.setOperationRepository(store.repository(List.copyOf(sinks.keySet()), fencing));
        // the EMS consumers' bookmarks next to the operations, fenced like their steps (bound for whoever looks it up)
        ontap.setEventBookmarks(store.eventBookmarks(fencing));
        context.getRegistry().bind("ontapEventBookmarks", io.ontapjobs.events.EventBookmarks.class, ontap.getEventBookmarks());
        Duration maxAge = settings.outcomes().webhookMaxAge();
        // beside the local state: with a JDBC URL the store is no folder to put them in
        String localState = settings.state().dir().isBlank() ? "data" : settings.state().dir();
        Optional<String> deadLetterDir = Optional.ofNullable(settings.outcomes().deadLetterDir());
        if (deadLetterDir.isEmpty()) {
            FileModes.privateDirectory(Path.of(localState), "State directory");
        }
        Path deadLetters = Path.of(deadLetterDir.orElse(Path.of(localState, "dead-letter").toString()));
        long maxPending = settings.maxPendingDeliveries();
        LOG.info("Store: {}; outcomes to {}", location(settings.state()), sinks.keySet());
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
    private static Map<String, Sink> sinks(CamelContext context, String fileMode, Settings.Outcomes outcomes) {
        var template = context.createProducerTemplate();
        Map<String, Sink> sinks = new LinkedHashMap<>();
        Optional.ofNullable(outcomes.dir())
                .ifPresent(d -> sinks.put("file", EndpointSink.files(template, d, fileMode)));
        Optional.ofNullable(outcomes.jsonl())
                .ifPresent(f -> sinks.put("jsonl", EndpointSink.jsonLines(template, Path.of(f), fileMode)));
        // the outcomes queue, when the service connected the jms component to a broker (embedded or ontap.broker.url)
        if (context.hasComponent("jms") instanceof JmsComponent j && j.getConnectionFactory() != null) {
            Optional.ofNullable(outcomes.queue())
                    .ifPresent(q -> sinks.put("jms", new EndpointSink(template, EmbeddedBroker.outcomesSinkUri(q))));
        }
        String secret = outcomes.webhookSecret();
        Duration timeout = outcomes.webhookTimeout();
        String[] urls = outcomes.webhookUrls().split(",");
        int n = 0;
        for (String url : urls) {
            if (!url.isBlank()) {
                sinks.put("webhook-" + (++n), new WebhookSink(template, url.trim(), secret, timeout, java.time.Clock.systemUTC()));
            }
        }
        return sinks;
    }

    private static String location(Settings.State state) {
        return Optional.of(state.jdbcUrl()).filter(u -> !u.isBlank())
                .map(u -> u.replaceAll("(?i)(password=)[^;&]*", "$1***"))
                .orElseGet(state::dir);
    }
}

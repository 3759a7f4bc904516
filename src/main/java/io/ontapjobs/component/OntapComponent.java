package io.ontapjobs.component;

import io.ontapjobs.ontap.ClusterCalls;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.operation.Cluster;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRunner;
import io.ontapjobs.files.FileModes;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.policy.PollSettings;
import io.ontapjobs.tracker.JobTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import io.micrometer.core.instrument.MeterRegistry;
import io.ontapjobs.observe.Health;
import io.ontapjobs.observe.OntapMetrics;
import io.ontapjobs.outcome.EndpointSink;
import io.ontapjobs.outcome.Outbox;
import io.ontapjobs.outcome.Sink;
import io.ontapjobs.outcome.WebhookSink;
import java.time.Duration;
import io.ontapjobs.store.OperationStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ontap:} component: trigger an ONTAP operation, await its job(s) without holding a thread, let the
 * policy decide, return the outcome. Clusters come from {@code ontap.clusters.<name>.*} properties (or
 * {@link #addCluster}); policies from {@code ontap.policies.file} (default {@code config/policies.yaml}).
 */
@Component("ontap")
public class OntapComponent extends DefaultComponent {
    private static final Logger LOG = LoggerFactory.getLogger(OntapComponent.class);

    @Metadata(description = "The policies file (YAML). Defaults to the property ontap.policies.file, else config/policies.yaml when it exists, else the built-in default policy.")
    private String policiesFile;

    private final Map<String, ClusterConfig> configured = new LinkedHashMap<>();
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    private volatile Policies policies;
    private boolean configurationLoaded;
    private OperationStore store;
    private OntapMetrics metrics = OntapMetrics.NONE;
    private String storeLocation;
    private OperationRunner runner;
    private ScheduledExecutorService scheduler;
    private final List<ScheduledExecutorService> deliveries = new ArrayList<>();
    private ExecutorService completions;
    private String fileMode = FileModes.DEFAULT;

    /** Adds or replaces a cluster before start (the one-shot command and tests use this). */
    public void addCluster(ClusterConfig cluster) {
        configured.put(cluster.name(), cluster);
    }

    public String getPoliciesFile() {
        return policiesFile;
    }

    public void setPoliciesFile(String policiesFile) {
        this.policiesFile = policiesFile;
    }

    public void setPolicies(Policies policies) {
        this.policies = policies;
    }

    public OperationRunner runner() {
        return runner;
    }

    /** The cluster by name; its client and tracker are made on first use. */
    public Cluster cluster(String name) {
        ClusterConfig config = configured.get(name);
        if (config == null) {
            throw new InvalidRequestException("cluster", "unknown cluster '" + name + "' (configured: "
                    + (configured.isEmpty() ? "none; set ontap.clusters." + name + ".url" : String.join(", ", new TreeMap<>(configured).keySet())) + ")");
        }
        return clusters.computeIfAbsent(name, n -> open(config));
    }

    /**
     * Refuses a request from an entry point (the API, the inbox, the queue) that the cluster's allow list does not
     * cover, before anything is stored or sent.
     *
     * @throws io.ontapjobs.security.NotAllowedException naming the method, path and key
     * @throws InvalidRequestException for an unknown cluster
     */
    public void checkAllowed(io.ontapjobs.operation.OperationRequest request) {
        ClusterConfig config = cluster(request.cluster()).config();
        if (!config.allow().allows(request.method(), request.path())) {
            throw new io.ontapjobs.security.NotAllowedException(request.method() + " " + request.path()
                    + " is not allowed on cluster '" + config.name() + "' (the operator's list: ontap.clusters."
                    + config.name() + ".allow)");
        }
    }

    public Policy policy(String name) {
        try {
            return policies.get(name == null ? "default" : name);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("policy", e.getMessage());
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        OntapEndpoint endpoint = new OntapEndpoint(uri, this);
        endpoint.setCluster(remaining == null || remaining.isBlank() ? "default" : remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /**
     * Reads the clusters and the policies from the configuration, once. Start-up calls it before Camel starts, so
     * that a mistake is reported as one line naming the file and key rather than as a failed context.
     *
     * @throws io.ontapjobs.policy.PolicyException or {@link IllegalArgumentException} naming the mistake
     */
    public synchronized void loadConfiguration() throws java.io.IOException {
        if (configurationLoaded) {
            return;
        }
        fileMode = FileModes.check(getCamelContext().getPropertiesComponent().resolveProperty(FileModes.KEY).orElse(FileModes.DEFAULT));
        for (var e : ClusterSettings.read(getCamelContext().getPropertiesComponent()).entrySet()) {
            configured.putIfAbsent(e.getKey(), e.getValue());
        }
        if (policies == null) {
            policies = loadPolicies();
        }
        configurationLoaded = true;
    }

    /** How the cluster is configured (no connection is opened). */
    public ClusterConfig clusterConfig(String name) {
        ClusterConfig config = configured.get(name);
        if (config == null) {
            throw new InvalidRequestException("cluster", "unknown cluster '" + name + "'");
        }
        return config;
    }

    /** The configured cluster names. */
    public java.util.Set<String> clusterNames() {
        return java.util.Set.copyOf(configured.keySet());
    }

    /** Whether any cluster is configured (by properties or {@link #addCluster}). */
    public boolean hasClusters() {
        return !configured.isEmpty();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        loadConfiguration();
        var executors = getCamelContext().getExecutorServiceManager();
        scheduler = executors.newScheduledThreadPool(this, "ontap-scheduler", 1);
        completions = executors.newFixedThreadPool(this, "ontap-completion", 2);
        OntapClient.bindHttpClientConfigurer(getCamelContext());
        Map<String, Sink> sinks = sinks();
        store = openStore();
        MeterRegistry meters = getCamelContext().getRegistry().findSingleByType(MeterRegistry.class);
        metrics = meters == null ? OntapMetrics.NONE : new OntapMetrics(meters);
        runner = new OperationRunner(this::cluster, this::policy, scheduler, new Random(), store, List.copyOf(sinks.keySet()), metrics);
        for (ClusterConfig c : configured.values()) {
            if (c.insecure()) {
                LOG.warn("Cluster {}: TLS certificate verification is off (insecure): whoever sits between this service and {}"
                        + " can read its password and forge its answers", c.name(), c.url().getHost());
            }
        }
        if (store != null) { // the one-shot command keeps nothing: nothing to say
            LOG.info("Store: {}; policies {}; outcomes to {}", storeLocation, policies.names(), sinks.keySet());
        }
        if (store != null) {
            var props = getCamelContext().getPropertiesComponent();
            Duration maxAge = props.resolveProperty("ontap.outcomes.webhook.max-age").map(Durations::parse).orElse(Duration.ofHours(24));
            // beside the local state: with a JDBC URL the store is no folder to put them in
            String localState = props.resolveProperty("ontap.state.dir").filter(d -> !d.isBlank()).orElse("data");
            Optional<String> deadLetterDir = props.resolveProperty("ontap.outcomes.dead-letter.dir").filter(d -> !d.isBlank());
            if (deadLetterDir.isEmpty()) {
                FileModes.privateDirectory(Path.of(localState), "State directory");
            }
            Path deadLetters = Path.of(deadLetterDir.orElse(Path.of(localState, "dead-letter").toString()));
            Outbox outbox = new Outbox(store, sinks, maxAge, deadLetters, metrics, fileMode);
            OperationStore s = store;
            for (String sink : sinks.keySet()) {
                metrics.gauge("ontap.deliveries.pending", "Outcome deliveries not yet acknowledged", "sink", sink, () -> s.pending(sink));
            }
            Health.register(getCamelContext(), this, store, sinks.keySet(),
                    props.resolveProperty("ontap.health.max-pending-deliveries").map(Long::parseLong).orElse(1000L));
            // one thread per sink, none shared with tracking: a webhook timing out must not delay polls or other sinks
            for (String sink : sinks.keySet()) {
                ScheduledExecutorService delivery = getCamelContext().getExecutorServiceManager()
                        .newSingleThreadScheduledExecutor(this, "ontap-outbox-" + sink);
                deliveries.add(delivery);
                delivery.scheduleWithFixedDelay(() -> {
                    try {
                        outbox.deliverDue(sink);
                    } catch (RuntimeException e) {
                        LOG.error("Outbox delivery to {} failed: {}", sink, e.getMessage());
                    }
                }, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            int resumed = runner.resume();
            if (resumed > 0) {
                LOG.info("Resumed {} unfinished operation(s) from the store", resumed);
            }
        }
    }

    /** {@code ontap.poll.initial|max|multiplier|jitter}: the polling of policies that set no {@code poll}. */
    private PollSettings defaultPoll() {
        var props = getCamelContext().getPropertiesComponent();
        PollSettings d = PollSettings.DEFAULT;
        try {
            return new PollSettings(
                    props.resolveProperty("ontap.poll.initial").map(Durations::parse).orElse(d.initial()),
                    props.resolveProperty("ontap.poll.max").map(Durations::parse).orElse(d.max()),
                    props.resolveProperty("ontap.poll.multiplier").map(Double::parseDouble).orElse(d.multiplier()),
                    props.resolveProperty("ontap.poll.jitter").map(Double::parseDouble).orElse(d.jitter()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ontap.poll.*: " + e.getMessage(), e);
        }
    }

    /**
     * The outcome sinks: {@code file} when {@code ontap.outcomes.dir} is set, and {@code webhook-N} for each URL in
     * {@code ontap.outcomes.webhook.url} (comma-separated), signed with {@code ontap.outcomes.webhook.secret}.
     */
    private Map<String, Sink> sinks() {
        var props = getCamelContext().getPropertiesComponent();
        var template = getCamelContext().createProducerTemplate();
        Map<String, Sink> sinks = new LinkedHashMap<>();
        props.resolveProperty("ontap.outcomes.dir").filter(d -> !d.isBlank())
                .ifPresent(d -> sinks.put("file", EndpointSink.files(template, d, fileMode)));
        props.resolveProperty("ontap.outcomes.jsonl").filter(f -> !f.isBlank())
                .ifPresent(f -> sinks.put("jsonl", EndpointSink.jsonLines(template, Path.of(f), fileMode)));
        // the outcomes queue, when the service connected the jms component to a broker (embedded or ontap.broker.url)
        var jms = getCamelContext().hasComponent("jms");
        if (jms instanceof org.apache.camel.component.jms.JmsComponent j && j.getConnectionFactory() != null) {
            props.resolveProperty("ontap.outcomes.queue").filter(q -> !q.isBlank())
                    .ifPresent(q -> sinks.put("jms", new EndpointSink(template, io.ontapjobs.broker.EmbeddedBroker.outcomesSinkUri(q))));
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

    /** {@code ontap.state.jdbc-url} (with {@code .user}, {@code .password}), else H2 in {@code ontap.state.dir}, else none. */
    private OperationStore openStore() {
        var props = getCamelContext().getPropertiesComponent();
        Optional<String> url = props.resolveProperty("ontap.state.jdbc-url").filter(u -> !u.isBlank());
        if (url.isPresent()) {
            storeLocation = url.get().replaceAll("(?i)(password=)[^;&]*", "$1***");
            return OperationStore.open(url.get(), props.resolveProperty("ontap.state.user").orElse(""),
                    props.resolveProperty("ontap.state.password").orElse(""));
        }
        Optional<String> dir = props.resolveProperty("ontap.state.dir").filter(d -> !d.isBlank());
        if (dir.isEmpty()) {
            return null;
        }
        storeLocation = dir.get();
        Path state = Path.of(dir.get());
        FileModes.privateDirectory(state, "State directory"); // request bodies are stored in plain text
        OperationStore embedded = OperationStore.embedded(state);
        // H2 makes its files under the umask: 0600 for those present now; the 0700 folder keeps others away from
        // them meanwhile and from any it makes later (a trace file)
        FileModes.tightenFiles(state, OperationStore.EMBEDDED_NAME + ".*");
        return embedded;
    }

    private Policies loadPolicies() throws java.io.IOException {
        PollSettings poll = defaultPoll();
        String file = policiesFile != null ? policiesFile
                : getCamelContext().getPropertiesComponent().resolveProperty("ontap.policies.file").orElse(null);
        if (file != null && file.startsWith("classpath:")) { // the copy inside the jar
            String resource = file.substring("classpath:".length());
            try (var in = getCamelContext().getClassResolver().loadResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("ontap.policies.file: " + file + " not found");
                }
                return Policies.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), file, poll);
            }
        }
        if (file != null) {
            return Policies.load(Path.of(file), poll); // a named file must exist: its absence is a mistake worth stopping for
        }
        Path standard = Path.of("config/policies.yaml");
        return Files.isRegularFile(standard) ? Policies.load(standard, poll) : Policies.builtIn(poll);
    }

    private Cluster open(ClusterConfig config) {
        try {
            // our own pool, not one from Camel's manager: its profiles cannot give polls a place ahead of triggers
            ClusterCalls calls = new ClusterCalls(config.name(), config.maxConcurrentRequests());
            OntapClient client = new OntapClient(getCamelContext(), config);
            JobTracker tracker = new JobTracker(client, scheduler, calls::executeFirst, completions, new Random(), metrics);
            for (String status : List.of("accepted", "triggering", "running")) {
                metrics.gauge("ontap.operations.in.flight", "Operations not yet ended", "cluster", config.name(), "status", status,
                        () -> runner.count(config.name(), status));
            }
            return new Cluster(config, client, tracker, calls);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open cluster " + config.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void doStop() throws Exception {
        for (Cluster c : clusters.values()) {
            c.tracker().close();
            c.client().close();
            getCamelContext().getExecutorServiceManager().shutdown(c.calls());
        }
        clusters.clear();
        deliveries.forEach(getCamelContext().getExecutorServiceManager()::shutdown);
        deliveries.clear();
        if (scheduler != null) {
            getCamelContext().getExecutorServiceManager().shutdown(scheduler);
            getCamelContext().getExecutorServiceManager().shutdown(completions);
        }
        if (store != null) {
            store.close();
            store = null;
        }
        super.doStop();
    }
}

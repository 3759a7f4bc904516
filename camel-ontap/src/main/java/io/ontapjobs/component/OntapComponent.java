package io.ontapjobs.component;

import io.ontapjobs.ontap.ClusterCalls;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.ontap.OntapClient;
import io.ontapjobs.operation.Cluster;
import io.ontapjobs.operation.ClusterOwnership;
import io.ontapjobs.operation.InMemoryOperationRepository;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.outcome.OutcomeListener;
import io.ontapjobs.operation.OperationRunner;
import io.ontapjobs.operation.OperationState;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.policy.Policy;
import io.ontapjobs.time.OntapClock;
import io.ontapjobs.time.SystemClock;
import io.ontapjobs.tracker.JobTracker;
import io.ontapjobs.metrics.OntapMetrics;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * policy decide, return the outcome. A cluster is defined by the options of the endpoints naming it ({@code url}
 * and the other connection options, given on the endpoint or the component); else it comes from
 * {@code ontap.clusters.<name>.*} properties or {@link #addCluster}. Policies come from {@code ontap.policies.file}
 * (default {@code config/policies.yaml}).
 */
@Component("ontap")
public class OntapComponent extends DefaultComponent {
    private static final Logger LOG = LoggerFactory.getLogger(OntapComponent.class);

    @Metadata(label = "advanced", description = "The component's options: those of every endpoint unless the endpoint gives"
            + " its own")
    private OntapConfiguration configuration = new OntapConfiguration();
    @Metadata(label = "producer", description = "The policies file (YAML). Defaults to the property ontap.policies.file, else"
            + " config/policies.yaml when it exists, else the built-in default policy.")
    private String policiesFile;
    @Metadata(label = "advanced", description = "The User-Agent header of every call to ONTAP, which the cluster's audit log"
            + " shows. Default: ontap-jobs/ and the version; the ontap-jobs service with several replicas adds the replica's"
            + " name in parentheses, so that each replica's calls can be told apart")
    private String userAgent;

    /** Which clusters this process runs (several processes on one repository), found in the registry at start. */
    private volatile ClusterOwnership ownership = ClusterOwnership.EVERYTHING;
    // concurrent: a cluster asked for by name (byName) is added while routes run
    private final Map<String, ClusterConfig> configured = new ConcurrentHashMap<>();
    /** Clusters defined by endpoint options: they win over {@link #configured}. */
    private final Map<String, Defined> fromOptions = new ConcurrentHashMap<>();
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    private volatile Policies policies;
    private boolean configurationLoaded;
    @Metadata(label = "advanced", autowired = true, description = "Where each operation's steps are recorded, so that an"
            + " id is never triggered twice and a restart takes up unfinished work. Default: in memory (nothing survives the process)")
    private OperationRepository operationRepository;
    @Metadata(label = "advanced", autowired = true, description = "What the component counts. Default: the registry's Micrometer"
            + " MeterRegistry when there is one, else nothing")
    private OntapMetrics metrics;
    @Metadata(label = "consumer,advanced", autowired = true, description = "Where each EMS consumer keeps its bookmarks (per"
            + " node: the last event it completed), so that a restart continues where the route left off. Default: in memory"
            + " (after a restart, a consumer starts from the cluster's now)")
    private io.ontapjobs.events.EventBookmarks eventBookmarks;
    private OperationRunner runner;
    private OntapClock clock;
    /** The system clock's timer, when the registry gives no clock. */
    private ScheduledExecutorService scheduler;
    private ExecutorService completions;

    /** Adds or replaces a cluster before start (the one-shot command and tests use this). */
    public void addCluster(ClusterConfig cluster) {
        configured.put(cluster.name(), cluster);
    }

    public OntapConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(OntapConfiguration configuration) {
        this.configuration = configuration;
    }

    public String getPoliciesFile() {
        return policiesFile;
    }

    public void setPoliciesFile(String policiesFile) {
        this.policiesFile = policiesFile;
    }

    public String getUserAgent() {
        return userAgent;
    }

    public void setUserAgent(String userAgent) {
        this.userAgent = userAgent;
    }

    public void setPolicies(Policies policies) {
        this.policies = policies;
    }

    public OperationRepository getOperationRepository() {
        return operationRepository;
    }

    public void setOperationRepository(OperationRepository operationRepository) {
        this.operationRepository = operationRepository;
    }

    public OntapMetrics getMetrics() {
        return metrics;
    }

    public void setMetrics(OntapMetrics metrics) {
        this.metrics = metrics;
    }

    public io.ontapjobs.events.EventBookmarks getEventBookmarks() {
        return eventBookmarks;
    }

    public void setEventBookmarks(io.ontapjobs.events.EventBookmarks eventBookmarks) {
        this.eventBookmarks = eventBookmarks;
    }

    /** The EMS consumers' bookmarks: the option's, else in memory (made on first use). */
    synchronized io.ontapjobs.events.EventBookmarks eventBookmarks() {
        if (eventBookmarks == null) {
            eventBookmarks = new io.ontapjobs.events.InMemoryEventBookmarks();
        }
        return eventBookmarks;
    }

    public OperationRunner runner() {
        return runner;
    }

    /** The cluster by name; its client and tracker are made on first use. */
    public Cluster cluster(String name) {
        ClusterConfig config = configOrNull(name);
        if (config == null) {
            java.util.Set<String> names = new java.util.TreeSet<>(clusterNames());
            throw new InvalidRequestException("cluster", "unknown cluster '" + name + "' (configured: "
                    + (names.isEmpty() ? "none; set the option url or ontap.clusters." + name + ".url" : String.join(", ", names)) + ")");
        }
        return clusters.computeIfAbsent(name, n -> open(config));
    }

    /**
     * Refuses a request from an entry point (the API, the inbox, the queue) that the cluster's allow list does not
     * cover, before anything is stored or sent.
     *
     * The list covers the whole request: method, path and query ({@link io.ontapjobs.ontap.AllowList}).
     *
     * @throws io.ontapjobs.operation.NotAllowedException naming the method, path, a query parameter and key (field
     *                                                    {@code path} or {@code query}): not on the list
     * @throws InvalidRequestException for an unknown cluster, or a request no entry could cover by a plain name (a
     *                                 {@code *} path segment, query operators in a value; field {@code path} or
     *                                 {@code query})
     */
    public void checkAllowed(io.ontapjobs.operation.OperationRequest request) {
        ClusterConfig config = cluster(request.cluster()).config();
        var refusal = config.allow().check(request.method(), request.path(), request.query()).orElse(null);
        if (refusal != null) {
            String message = refusal.message() + " on cluster '" + config.name() + "' (the operator's list: "
                    + (fromOptions.containsKey(config.name()) ? "the option allow" : "ontap.clusters." + config.name() + ".allow") + ")";
            throw refusal.malformed() ? new InvalidRequestException(refusal.field(), message)
                    : new io.ontapjobs.operation.NotAllowedException(refusal.field(), message);
        }
    }

    /** The names of the loaded policies (after {@link #loadConfiguration()}). */
    public java.util.Set<String> policyNames() {
        return policies == null ? java.util.Set.of() : policies.names();
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
        OntapConfiguration options = configuration != null ? configuration.copy() : new OntapConfiguration();
        OntapEndpoint endpoint = new OntapEndpoint(uri, this, options);
        endpoint.setCluster(remaining == null || remaining.isBlank() ? "default" : remaining);
        setProperties(endpoint, parameters);
        options.check();
        define(endpoint.getCluster(), options);
        return endpoint;
    }

    /**
     * An endpoint whose options (its own or the component's) give {@code url} defines the cluster it names. That
     * definition wins over {@code ontap.clusters.<name>.*} and {@link #addCluster}, whole (options and properties
     * are not mixed); every endpoint defining the same name must define it alike.
     *
     * @throws IllegalArgumentException naming the option at fault
     */
    private synchronized void define(String name, OntapConfiguration options) {
        if (options.getUrl() == null) {
            List<String> set = options.connectionOptionsSet();
            if (!set.isEmpty()) {
                // a password alone must not be taken for another cluster's
                throw new IllegalArgumentException("option " + set.get(0) + ": set, but url is not; the connection options"
                        + " define cluster '" + name + "' together with url only");
            }
            return;
        }
        Defined earlier = fromOptions.get(name);
        if (earlier != null) {
            String differs = earlier.options().firstDifference(options);
            if (differs != null) {
                throw new IllegalArgumentException("option " + differs + ": another endpoint defines cluster '" + name
                        + "' with a different " + differs + "; one name is one cluster (give this one another name)");
            }
            return;
        }
        ClusterConfig config = options.clusterConfig(name);
        ClusterConfig replaced = configured.get(name);
        if (replaced != null && clusters.containsKey(name)) {
            throw new IllegalArgumentException("option url: cluster '" + name + "' is in use already, as ontap.clusters." + name
                    + " or addCluster define it; define it by options before it is used, or use another name");
        }
        if (replaced != null) {
            warnReplaced(config, replaced);
        }
        if (config.insecure()) {
            warnInsecure(config);
        }
        fromOptions.put(name, new Defined(options.copy(), config));
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
        for (var e : ClusterSettings.read(getCamelContext().getPropertiesComponent()).entrySet()) {
            configured.putIfAbsent(e.getKey(), e.getValue());
            Defined defined = fromOptions.get(e.getKey());
            if (defined != null) {
                warnReplaced(defined.config(), e.getValue());
            }
        }
        if (policies == null) {
            policies = PolicyFiles.load(getCamelContext(), policiesFile);
        }
        configurationLoaded = true;
    }

    /** How the cluster is configured (no connection is opened). */
    public ClusterConfig clusterConfig(String name) {
        ClusterConfig config = configOrNull(name);
        if (config == null) {
            throw new InvalidRequestException("cluster", "unknown cluster '" + name + "'");
        }
        return config;
    }

    private ClusterConfig configOrNull(String name) {
        Defined defined = fromOptions.get(name);
        if (defined != null) {
            return defined.config();
        }
        ClusterConfig config = configured.get(name);
        if (config == null && getCamelContext() != null) {
            config = byName(name);
        }
        return config;
    }

    /**
     * {@code ontap.clusters.<name>.url} asked for by name: property sources that cannot list their keys (Spring Boot's
     * Environment, seen through Camel's properties) still define the clusters a route names.
     */
    private ClusterConfig byName(String name) {
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            return null; // never a property key made of anything else
        }
        var props = getCamelContext().getPropertiesComponent();
        java.util.function.Function<String, java.util.Optional<String>> get =
                k -> props.resolveProperty(ClusterSettings.PREFIX + name + "." + k).filter(v -> !v.isBlank());
        if (get.apply("url").isEmpty()) {
            return null;
        }
        ClusterConfig config = ClusterSettings.build(name, get);
        ClusterConfig first = configured.putIfAbsent(name, config);
        return first != null ? first : config;
    }

    private record Defined(OntapConfiguration options, ClusterConfig config) {
    }

    /** The configured cluster names. */
    public java.util.Set<String> clusterNames() {
        java.util.Set<String> names = new java.util.HashSet<>(configured.keySet());
        names.addAll(fromOptions.keySet());
        return java.util.Set.copyOf(names);
    }

    /** Whether any cluster is configured (by endpoint options, properties or {@link #addCluster}). */
    public boolean hasClusters() {
        return !configured.isEmpty() || !fromOptions.isEmpty();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        loadConfiguration();
        var executors = getCamelContext().getExecutorServiceManager();
        clock = getCamelContext().getRegistry().findSingleByType(OntapClock.class); // a test's virtual time
        if (clock == null) {
            // unbounded: every waiting job has its deadline queued here (Camel's default profile refuses the 1001st task)
            scheduler = executors.newScheduledThreadPool(this, "ontap-scheduler",
                    new org.apache.camel.builder.ThreadPoolProfileBuilder("ontap-scheduler").poolSize(1).maxQueueSize(-1).build());
            clock = new SystemClock(scheduler);
        }
        completions = executors.newFixedThreadPool(this, "ontap-completion", 2);
        OntapClient.bindHttpClientConfigurer(getCamelContext());
        if (operationRepository == null) {
            operationRepository = new InMemoryOperationRepository();
        }
        if (metrics == null) {
            metrics = OntapMetrics.lookup(getCamelContext());
        }
        List<OutcomeListener> listeners = List.copyOf(getCamelContext().getRegistry().findByType(OutcomeListener.class));
        runner = new OperationRunner(this::cluster, this::policy, clock, new Random(), operationRepository, listeners, metrics);
        // several processes on one repository: the one that grants ownership takes work up, cluster by cluster
        ClusterOwnership ownership = getCamelContext().getRegistry().findSingleByType(ClusterOwnership.class);
        if (ownership != null) {
            runner.ownership(ownership);
            this.ownership = ownership;
        }
        for (ClusterConfig c : configured.values()) {
            if (c.insecure() && !fromOptions.containsKey(c.name())) {
                warnInsecure(c);
            }
        }
        int resumed = ownership == null ? runner.resume() : 0;
        if (resumed > 0) {
            LOG.info("Resumed {} unfinished operation(s) from the store", resumed);
        }
    }

    private static void warnReplaced(ClusterConfig byOptions, ClusterConfig replaced) {
        LOG.warn("Cluster {}: defined by endpoint options (url {}), which replace ontap.clusters.{} or addCluster (url {})",
                byOptions.name(), byOptions.url(), byOptions.name(), replaced.url());
    }

    private static void warnInsecure(ClusterConfig c) {
        LOG.warn("Cluster {}: TLS certificate verification is off (insecure): whoever sits between this service and {}"
                + " can read its password and forge its answers", c.name(), c.url().getHost());
    }

    private Cluster open(ClusterConfig config) {
        try {
            // our own pool, not one from Camel's manager: its profiles cannot give polls a place ahead of triggers
            ClusterCalls calls = new ClusterCalls(config.name(), config.maxConcurrentRequests());
            OntapClient client = new OntapClient(getCamelContext(), config,
                    userAgent == null || userAgent.isBlank() ? io.ontapjobs.ontap.Version.userAgent() : userAgent.strip());
            JobTracker tracker = new JobTracker(client, clock, calls::executeFirst, completions, new Random(),
                    metrics == null ? OntapMetrics.NONE : metrics);
            tracker.pollOnlyWhile(() -> ownership.mayPoll(config.name()));
            OntapMetrics m = metrics == null ? OntapMetrics.NONE : metrics;
            for (OperationState state : OperationState.IN_FLIGHT) {
                m.gauge("ontap.operations.in.flight", "Operations not yet ended", "cluster", config.name(), "status", state.word(),
                        () -> runner.count(config.name(), state));
            }
            return new Cluster(config, client, tracker, calls);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open cluster " + config.name() + ": " + e.getMessage(), e);
        }
    }

    private final EventHints eventHints = new EventHints();

    EventHints eventHints() {
        return eventHints;
    }

    /**
     * A hint that {@code cluster} has new EMS events (an EMS push): each started consumer of that cluster polls soon,
     * on its own thread, at most once a second each however many hints arrive; a hint never becomes an event itself.
     *
     * @return how many consumers queued a poll now (0: none of the cluster, or each has one queued already)
     */
    public int eventsHint(String cluster) {
        return eventHints.hint(cluster);
    }

    /** Who owns which cluster (after start): the registry's single {@link ClusterOwnership}, else every cluster. */
    ClusterOwnership ownership() {
        return ownership;
    }

    /** The clock the runner and the trackers use (after start). */
    public OntapClock clock() {
        return clock;
    }

    @Override
    protected void doStop() throws Exception {
        for (Cluster c : clusters.values()) {
            c.tracker().close();
            c.client().close();
            getCamelContext().getExecutorServiceManager().shutdown(c.calls());
        }
        clusters.clear();
        if (scheduler != null) {
            getCamelContext().getExecutorServiceManager().shutdown(scheduler);
            scheduler = null;
        }
        if (completions != null) {
            getCamelContext().getExecutorServiceManager().shutdown(completions);
        }
        super.doStop();
    }
}

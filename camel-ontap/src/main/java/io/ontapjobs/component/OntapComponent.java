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
 * policy decide, return the outcome. A cluster is defined one way only, by the application: by the options of an
 * endpoint naming it ({@code url} and the other connection options), by the component's options (cluster
 * {@code default}), or by a {@link ClusterConfig} (a registry bean, or {@link #addCluster}). The component reads no
 * environment variable and no system property itself. Policies come from the option {@code policiesFile}.
 */
@Component("ontap")
public class OntapComponent extends DefaultComponent {
    private static final Logger LOG = LoggerFactory.getLogger(OntapComponent.class);

    @Metadata(label = "advanced", description = "The component's options: those of every endpoint unless the endpoint gives"
            + " its own")
    private OntapConfiguration configuration = new OntapConfiguration();
    @Metadata(label = "producer", description = "The policies file (YAML; classpath: for a resource). Unset: the built-in"
            + " default policy (no file is read that this option does not name)")
    private String policiesFile;
    @Metadata(label = "advanced", description = "The User-Agent header of every call to ONTAP, which the cluster's audit log"
            + " shows. Default: ontap-jobs/ and the version; the ontap-jobs service with several replicas adds the replica's"
            + " name in parentheses, so that each replica's calls can be told apart")
    private String userAgent;

    /** Which clusters this process runs (several processes on one repository), found in the registry at start. */
    private volatile ClusterOwnership ownership = ClusterOwnership.EVERYTHING;
    /** Which clusters are simulators, as the application says (a registry bean), found at start. */
    private volatile io.ontapjobs.outcome.SimulatedClusters simulated = io.ontapjobs.outcome.SimulatedClusters.NONE;
    private final Clusters clusters = new Clusters(this);
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

    /**
     * Adds or replaces a cluster before start (the service, the one-shot command and tests use this).
     *
     * @throws IllegalArgumentException when endpoint or component options define a cluster of that name already
     */
    public void addCluster(ClusterConfig cluster) {
        clusters.addCluster(cluster);
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
                    + (names.isEmpty() ? "none" : String.join(", ", names)) + "; " + HOW_TO_DEFINE + ")");
        }
        return clusters.open(name, config, this::open);
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
                    + (clusters.byOptions(config.name()) ? "the option allow" : "ontap.clusters." + config.name() + ".allow") + ")";
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

    /** How a cluster is defined, for the messages that find none. */
    static final String HOW_TO_DEFINE = "define it with the option url on the endpoint (or on the component, for cluster"
            + " default), a ClusterConfig bean in the registry, or OntapComponent.addCluster";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        OntapConfiguration options = configuration != null ? configuration.copy() : new OntapConfiguration();
        OntapEndpoint endpoint = new OntapEndpoint(uri, this, options);
        endpoint.setCluster(remaining == null || remaining.isBlank() ? "default" : remaining);
        boolean ownUrl = parameters.containsKey("url");
        setProperties(endpoint, parameters);
        options.check();
        if (!ownUrl && options.getUrl() != null && !"default".equals(endpoint.getCluster())) {
            // the component's url is cluster default's: a misspelled name must not become a cluster at the same address
            options.setUrl(null);
            List<String> set = ConnectionOptions.setApartFrom(options, configuration);
            if (!set.isEmpty()) {
                throw new IllegalArgumentException("option " + set.get(0) + ": set, but url is not; the connection options"
                        + " define cluster '" + endpoint.getCluster() + "' together with url only (the component's url defines"
                        + " cluster default only)");
            }
            return endpoint;
        }
        clusters.define(endpoint.getCluster(), options);
        return endpoint;
    }

    /**
     * Takes the clusters of the registry ({@link ClusterConfig} beans) and the component's own options (cluster
     * {@code default}), and reads the policies, once. Start-up calls it before Camel starts, so that a mistake is
     * reported as one line naming the file and key rather than as a failed context.
     *
     * @throws io.ontapjobs.policy.PolicyException or {@link IllegalArgumentException} naming the mistake
     */
    public synchronized void loadConfiguration() throws java.io.IOException {
        if (configurationLoaded) {
            return;
        }
        clusters.load();
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

    ClusterConfig configOrNull(String name) {
        return clusters.configOrNull(name);
    }

    /** The configured cluster names. */
    public java.util.Set<String> clusterNames() {
        return clusters.names();
    }

    /** Whether any cluster is configured (by endpoint or component options, beans or {@link #addCluster}). */
    public boolean hasClusters() {
        return clusters.any();
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
        io.ontapjobs.outcome.SimulatedClusters sims = getCamelContext().getRegistry().findSingleByType(io.ontapjobs.outcome.SimulatedClusters.class);
        if (sims != null) {
            simulated = sims;
        }
        // several processes on one repository: the one that grants ownership takes work up, cluster by cluster
        ClusterOwnership ownership = getCamelContext().getRegistry().findSingleByType(ClusterOwnership.class);
        if (ownership != null) {
            runner.ownership(ownership);
            this.ownership = ownership;
        }
        clusters.warnInsecureConfigs();
        int resumed = ownership == null ? runner.resume() : 0;
        if (resumed > 0) {
            LOG.info("Resumed {} unfinished operation(s) from the store", resumed);
        }
    }

    static void warnInsecure(ClusterConfig c) {
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
            tracker.start(); // stopped with the component (doStop)
            OntapMetrics m = metrics == null ? OntapMetrics.NONE : metrics;
            for (OperationState state : OperationState.IN_FLIGHT) {
                m.gauge("ontap.operations.in.flight", "Operations not yet ended", "cluster", config.name(), "status", state.word(),
                        () -> runner.count(config.name(), state));
            }
            return new Cluster(config, client, tracker, calls, isSimulator(config.name()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot open cluster " + config.name() + ": " + e.getMessage(), e);
        }
    }

    /** Whether the application said the cluster is a simulator ({@link io.ontapjobs.outcome.SimulatedClusters}). */
    public boolean isSimulator(String cluster) {
        io.ontapjobs.outcome.SimulatedClusters s = simulated;
        if (s == io.ontapjobs.outcome.SimulatedClusters.NONE && getCamelContext() != null) {
            io.ontapjobs.outcome.SimulatedClusters bound = getCamelContext().getRegistry().findSingleByType(io.ontapjobs.outcome.SimulatedClusters.class);
            s = bound != null ? bound : s;
        }
        return s.isSimulator(cluster);
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
        clusters.closeAll();
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

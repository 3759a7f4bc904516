package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An ONTAP REST simulator for asynchronous operations and the cluster jobs API ({@code /api/cluster/jobs}), on the
 * JDK's built-in HTTP server. Jobs are not threads: their state is derived from the clock when read.
 *
 * <p>This class is the public face: the builder, the server's lifecycle, and routing (faults, URI length,
 * authentication, methods) to the parts that answer: {@link JobTable} for the jobs endpoint, {@link Triggers} for
 * requests that start operations, {@link RecordStore} for other collections, {@link Ems} for
 * {@code /api/support/ems} (events numbered per node, catalogue, filters, destinations, XML pushes), {@link ControlApi}
 * for {@code /_simulator}. {@link Rules} holds the scenarios and faults they all consult. Clients connect to
 * {@link RequestLineFront}, which repairs request lines the JDK server would refuse (a raw {@code |}) and ends TLS.
 *
 * <pre>{@code
 * try (OntapSimulator sim = OntapSimulator.builder().port(0).build().start()) {
 *     sim.addScenario(Scenario.on("POST", "/api/storage/volumes*").fails(524486, "Volume busy").build());
 *     // talk to sim.baseUrl() with basic auth admin / netapp1!
 * }
 * }</pre>
 *
 * See docs/simulator.md for every endpoint and option.
 */
public final class OntapSimulator implements AutoCloseable {
    /** Request URIs longer than this answer 414. */
    public static final int MAX_URI_LENGTH = 8192;
    /** Largest {@code return_timeout} ONTAP accepts. */
    public static final int MAX_RETURN_TIMEOUT = 120;

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY small answers can stall ~40 ms
        // (Nagle + delayed ACK). The property is read once, when the JDK server classes load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** ONTAP's content type for /api answers ("Interpreting an API response" in NetApp's ONTAP automation docs). */
    static final String HAL_JSON = "application/hal+json";

    private final int requestedPort;
    private final String bindAddress;
    private final String authHeader;
    private final int threads;
    private final SSLContext tls;

    private final SimulatorStats stats = new SimulatorStats();
    /** What clients named themselves as (ONTAP's audit log shows it): distinct "User-Agent | X-Dot-Client-App", bounded. */
    private final java.util.Set<String> clients = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_CLIENTS = 100;
    /** The latest reads of the jobs endpoint, oldest first; at most {@link #jobPollLogSize}. */
    private final java.util.ArrayDeque<JobPoll> jobPolls = new java.util.ArrayDeque<>();
    private final int jobPollLogSize;
    /** One creation order for jobs and records: listings and their paging cursors follow it. */
    private final AtomicLong seq = new AtomicLong();
    private final RecordStore records = new RecordStore(seq);
    private final Rules rules;
    private final JobTable jobs;
    private final Triggers triggers;
    private final ControlApi control;
    private final Ems ems;
    /** The latest requests under /api/support/ems, oldest first; at most {@link #emsRequestLogSize}. */
    private final java.util.ArrayDeque<EmsRequest> emsRequests = new java.util.ArrayDeque<>();
    private final int emsRequestLogSize;

    private HttpServer server;
    private RequestLineFront front;
    private ThreadPoolExecutor executor;
    private ScheduledExecutorService sweeper;

    private OntapSimulator(Builder b) {
        this.requestedPort = b.port;
        this.bindAddress = b.bindAddress;
        this.authHeader = "Basic " + Base64.getEncoder().encodeToString((b.username + ":" + b.password).getBytes(StandardCharsets.UTF_8));
        this.threads = b.threads;
        this.tls = b.tls;
        this.jobPollLogSize = b.jobPollLog;
        this.rules = new Rules(b.seed);
        this.jobs = new JobTable(b.retention.toMillis(), b.nodeName, seq, stats, b.clock);
        this.triggers = new Triggers(rules, jobs, records, b.defaultSvm);
        this.emsRequestLogSize = b.emsRequestLog;
        this.ems = new Ems(b.clock, stats, b.nodeNames(), b.clockSkews, b.emsLogSize);
        this.control = new ControlApi(rules, stats, jobs, ems);
        rules.addScenarios(b.scenarios);
        b.faults.forEach(rules::addFault);
        for (Map.Entry<String, List<ObjectNode>> e : b.collections.entrySet()) {
            seed(e.getKey(), e.getValue());
        }
        b.emsFiles.forEach(f -> f.scheduleOn(ems));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts listening; returns this simulator. */
    public synchronized OntapSimulator start() {
        if (server != null) {
            throw new IllegalStateException("simulator already started");
        }
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "ontap-sim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            // the JDK server listens on loopback only; clients reach it through the front, which repairs request lines
            // the JDK would refuse with HTML (a raw '|') and ends TLS
            server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen on a loopback port: " + e.getMessage(), e);
        }
        try {
            front = new RequestLineFront(bindAddress, requestedPort, tls, server.getAddress());
        } catch (IOException e) {
            executor.shutdownNow();
            server.stop(0);
            server = null;
            throw new UncheckedIOException("cannot listen on " + bindAddress + ":" + requestedPort + ": " + e.getMessage(), e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ontap-sim-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = jobs.sweepEveryMs();
        sweeper.scheduleWithFixedDelay(jobs::sweep, every, every, TimeUnit.MILLISECONDS);
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                ems.tick(jobs.clock.millis()); // scheduled events are logged (and pushed) when due, even unread
            } catch (Throwable ignored) {
                // keep ticking
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The port listened on (the real one when built with port 0). */
    public int port() {
        if (server == null) {
            throw new IllegalStateException("simulator not started");
        }
        return front.port();
    }

    /** {@code http://<bind address>:<port>}, or {@code https://} when serving TLS. */
    public String baseUrl() {
        String host = bindAddress.contains(":") ? "[" + bindAddress + "]" : bindAddress;
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        return (tls != null ? "https://" : "http://") + host + ":" + port();
    }

    /** Adds a scenario; scenarios added later take precedence over earlier ones. */
    public void addScenario(Scenario s) {
        rules.addScenario(s);
    }

    /** Removes every scenario: operations succeed after 1 s again. */
    public void clearScenarios() {
        rules.clearScenarios();
    }

    /** Adds a fault; faults added later are checked first. */
    public void addFault(Fault f) {
        rules.addFault(f);
    }

    public void clearFaults() {
        rules.clearFaults();
    }

    /** Adds the scenarios, faults and collections of a scenario file. */
    public void load(ScenarioFile file) {
        rules.addScenarios(file.scenarios());
        file.faults().forEach(rules::addFault);
        file.collections().forEach(this::seed);
        file.scheduleOn(ems); // its ems.events and ems.volumes; its nodes and log size only apply when building
    }

    // ------------------------------------------------------------------ EMS

    /**
     * Logs an EMS event on a node, as ONTAP would: the node numbers it (1, 2, 3… per node), stamps it with its clock
     * (the simulator's plus the node's skew, to the second), and it is pushed to every {@code rest_api} destination
     * whose filters let it through.
     *
     * @param node       node name, or null for the first node
     * @param message    message name, e.g. {@code monitor.volume.full}; a name the catalogue lacks joins it
     * @param severity   {@code emergency}, {@code alert}, {@code error}, {@code notice}, {@code informational},
     *                   {@code debug}, or null for the catalogue's (informational for a new name)
     * @param parameters the event's parameters in order (may be null)
     * @throws IllegalArgumentException for an unknown node or severity
     */
    public EmittedEvent emitEvent(String node, String message, String severity, Map<String, String> parameters) {
        return ems.emit(node, message, severity, parameters);
    }

    /** {@link #emitEvent(String, String, String, Map)} on the first node, with the catalogue's severity. */
    public EmittedEvent emitEvent(String message, Map<String, String> parameters) {
        return ems.emit(null, message, null, parameters);
    }

    /** Every EMS event held in the nodes' logs, in emission order (copies of the records, all fields). */
    public List<ObjectNode> emsEvents() {
        return ems.events();
    }

    /** The cluster's node names, in order (default {@code sim-01}, {@code sim-02}). */
    public List<String> nodeNames() {
        return ems.nodeNames();
    }

    /** A node's current uuid (stable for a name, until the node is replaced). */
    public String nodeUuid(String node) {
        return ems.nodeUuid(node);
    }

    /** Replaces a node: it gets a new uuid and an empty log, and numbers its events from 1 again. Returns the new uuid. */
    public String replaceNode(String node) {
        return ems.replaceNode(node);
    }

    /**
     * The latest requests under {@code /api/support/ems} (at most 10,000, see {@link Builder#emsRequestLog(int)}),
     * oldest first: when, method, the URI as sent and the {@code User-Agent}.
     */
    public List<EmsRequest> emsRequests() {
        synchronized (emsRequests) {
            return List.copyOf(emsRequests);
        }
    }

    private void logEmsRequest(HttpExchange ex, String method, URI uri, String sent) {
        stats.emsRequest();
        if (emsRequestLogSize == 0) {
            return;
        }
        String raw = sent != null ? sent : uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        EmsRequest r = new EmsRequest(jobs.clock.instant(), method, raw, ex.getRequestHeaders().getFirst("User-Agent"));
        synchronized (emsRequests) {
            if (emsRequests.size() == emsRequestLogSize) {
                emsRequests.removeFirst();
            }
            emsRequests.addLast(r);
        }
    }

    public SimulatorStats stats() {
        return stats;
    }

    /** The full job object as ONTAP would answer it now, or empty if unknown or already deleted. */
    public Optional<ObjectNode> job(String uuid) {
        return jobs.job(uuid);
    }

    /** The job's true end, to the millisecond (ONTAP's end_time has one-second precision): for measurements. */
    public Optional<java.time.Instant> endInstant(String uuid) {
        return jobs.endInstant(uuid);
    }

    /** Number of jobs held (not yet deleted). */
    public int jobCount() {
        return jobs.size();
    }

    /** Records of a collection (e.g. {@code /api/storage/volumes}) in creation order. */
    public List<ObjectNode> records(String collectionPath) {
        jobs.settlePending(jobs.clock.millis());
        return records.list(normalize(collectionPath));
    }

    private void seed(String collectionPath, List<ObjectNode> list) {
        records.seed(normalize(collectionPath), list);
    }

    @Override
    public synchronized void close() {
        if (server != null) { // closing one never started leaves it startable, with return_timeout intact
            triggers.stopWaiting();
            front.close();
            server.stop(0);
            executor.shutdownNow();
            sweeper.shutdownNow();
        }
        ems.close();
    }

    /** The distinct {@code "<User-Agent> | <X-Dot-Client-App>"} pairs of the REST calls seen (at most 100). */
    public java.util.Set<String> clients() {
        return java.util.Set.copyOf(clients);
    }

    /**
     * The latest reads of the jobs endpoint answered ({@code GET} or {@code HEAD} of {@code /api/cluster/jobs} and
     * {@code /api/cluster/jobs/{uuid}}), oldest first: when, which {@code User-Agent}, which job uuids. At most the
     * builder's {@link Builder#jobPollLog(int)} (default 10,000); older ones are dropped. A client that names itself
     * per process (ontap-jobs' replicas: {@code ontap-jobs/<version> (<replica>)}) can so be told apart.
     */
    public List<JobPoll> jobPolls() {
        synchronized (jobPolls) {
            return List.copyOf(jobPolls);
        }
    }

    private void logJobPoll(HttpExchange ex, List<String> uuids) {
        if (jobPollLogSize == 0) {
            return;
        }
        JobPoll poll = new JobPoll(jobs.clock.instant(), ex.getRequestHeaders().getFirst("User-Agent"), uuids);
        synchronized (jobPolls) {
            if (jobPolls.size() == jobPollLogSize) {
                jobPolls.removeFirst();
            }
            jobPolls.addLast(poll);
        }
    }

    // ------------------------------------------------------------------ request handling

    private void handle(HttpExchange ex) {
        try {
            String method = ex.getRequestMethod().toUpperCase();
            URI uri = ex.getRequestURI();
            String path = normalize(uri.getPath() == null ? "/" : uri.getPath());
            if (ControlApi.serves(path)) {
                send(ex, control.answer(method, path, ex.getRequestBody()), false, false, false);
                return;
            }
            stats.request();
            if (clients.size() < MAX_CLIENTS) {
                clients.add(ex.getRequestHeaders().getFirst("User-Agent") + " | " + ex.getRequestHeaders().getFirst("X-Dot-Client-App"));
            }
            boolean api = path.startsWith("/api/");
            boolean head = method.equals("HEAD");
            boolean truncate = false;
            Fault fault = rules.faultFor(method, path);
            if (fault != null) {
                stats.fault();
                switch (fault.kind()) {
                    case DROP:
                        ex.close(); // no response headers sent: the server closes the connection
                        return;
                    case STATUS:
                        Answer r = Answer.error(fault.status(), fault.errorCode(), fault.errorMessage(), "");
                        if (fault.retryAfter() != null) {
                            long ms = fault.retryAfter().toMillis();
                            r.headers.put("Retry-After", String.valueOf((ms + 999) / 1000));
                        }
                        send(ex, r, false, api, head);
                        return;
                    case LATENCY:
                        Thread.sleep(fault.latency().toMillis());
                        break;
                    default:
                        truncate = true;
                }
            }
            Answer r;
            try {
                r = route(ex, method, path, uri);
            } catch (ApiError e) {
                r = Answer.error(e);
            }
            send(ex, r, truncate, api, head);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            try {
                send(ex, Answer.error(500, "1", "Simulator internal error: " + t, ""), false, false, false);
            } catch (Throwable ignored) {
                // headers may already be out
            }
        } finally {
            ex.close();
        }
    }

    private Answer route(HttpExchange ex, String method, String path, URI uri) throws InterruptedException {
        String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
        String rawQuery = uri.getRawQuery();
        String sent = ex.getRequestHeaders().getFirst(RequestLineFront.ORIGINAL_URI_HEADER); // as the client wrote it
        boolean emsPath = Ems.serves(path);
        if (emsPath) {
            logEmsRequest(ex, method, uri, sent); // before the 414 check: a test sees the too-long URL a consumer sent
        }
        int uriLength = sent != null ? sent.length() : rawPath.length() + (rawQuery == null ? 0 : rawQuery.length() + 1);
        if (uriLength > MAX_URI_LENGTH) {
            return Answer.error(414, String.valueOf(OntapErrors.URI_TOO_LONG),
                    "Request-URI too long: more than " + MAX_URI_LENGTH + " bytes. Split the query into smaller requests.", "");
        }
        if (!path.startsWith("/api/")) {
            throw new ApiError(404, OntapErrors.API_NOT_FOUND, "API not found: " + path, "");
        }
        if (!authHeader.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            stats.unauthorizedRequest();
            Answer r = Answer.error(401, String.valueOf(OntapErrors.NOT_AUTHORIZED), "not authorized for that command", null);
            r.headers.put("WWW-Authenticate", "Basic realm=\"ONTAP simulator\"");
            return r;
        }
        QueryParams params = new QueryParams(rawQuery);
        int returnTimeout = returnTimeout(params);
        String allow = allowed(path);
        if (method.equals("OPTIONS")) {
            Answer r = new Answer(200, null);
            r.headers.put("Allow", allow);
            return r;
        }
        if (method.equals("HEAD")) {
            method = "GET"; // HEAD is answered as GET; send() leaves the body out
        }
        if (!List.of(allow.split(", ")).contains(method)) {
            Answer r = Answer.error(methodNotAllowed(method, path));
            r.headers.put("Allow", allow);
            return r;
        }
        if (emsPath) {
            return ems.answer(method, path, params, ex.getRequestBody());
        }
        if (path.equals(JobTable.PATH)) {
            stats.jobListGet();
            String uuid = params.get("uuid");
            logJobPoll(ex, uuid == null || uuid.isEmpty() ? List.of() : List.of(uuid.split("\\|")));
            return new Answer(200, jobs.list(params));
        }
        if (path.startsWith(JobTable.PATH + "/")) {
            String uuid = path.substring(JobTable.PATH.length() + 1);
            if (uuid.contains("/")) {
                throw new ApiError(404, OntapErrors.API_NOT_FOUND, "API not found: " + path, "");
            }
            if (method.equals("GET")) {
                stats.jobGet();
                logJobPoll(ex, List.of(uuid));
                return new Answer(200, jobs.get(uuid, params));
            }
            stats.jobPatch();
            return new Answer(200, jobs.patch(uuid, params));
        }
        switch (method) {
            case "GET":
                jobs.settlePending(jobs.clock.millis()); // records show what every job succeeded by now did
                if (params.get(Triggers.JOB_RESULTS_UUID) != null) {
                    return triggers.results(path, params);
                }
                return new Answer(200, records.get(path, params));
            case "POST":
            case "PATCH":
            default:
                stats.trigger();
                return triggers.answer(method, path, ex.getRequestBody(), returnTimeout);
        }
    }

    /** The methods a path takes, for {@code Allow} (OPTIONS and 405 answers). */
    private static String allowed(String path) {
        if (Ems.serves(path)) {
            return Ems.allowed(path);
        }
        if (path.equals(JobTable.PATH)) {
            return "GET, HEAD, OPTIONS";
        }
        if (path.startsWith(JobTable.PATH + "/")) {
            return "GET, HEAD, PATCH, OPTIONS";
        }
        return "GET, HEAD, POST, PATCH, DELETE, OPTIONS";
    }

    private static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, OntapErrors.API_NOT_FOUND, "The method " + method + " is not allowed on " + path + ".", "");
    }

    /** -1 when absent. */
    private static int returnTimeout(QueryParams params) {
        String v = params.get("return_timeout");
        if (v == null) {
            return -1;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0 && n <= MAX_RETURN_TIMEOUT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new ApiError(400, OntapErrors.INVALID_VALUE, "The value \"" + v + "\" is invalid for field \"return_timeout\" (0 - "
                + MAX_RETURN_TIMEOUT + ").", "return_timeout");
    }

    // ------------------------------------------------------------------ output

    /**
     * @param api  under {@code /api/}: ONTAP labels its JSON {@code application/hal+json} (the control API stays plain JSON)
     * @param head a HEAD request: the headers of the GET answer, no body
     */
    private static void send(HttpExchange ex, Answer r, boolean truncate, boolean api, boolean head) throws IOException {
        if (r.body != null) {
            ex.getResponseHeaders().set("Content-Type", api ? HAL_JSON : "application/json");
        }
        r.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (r.body == null || head) {
            ex.sendResponseHeaders(r.status, -1); // -1: no body; the JDK server sends Content-Length: 0
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(r.body);
        ex.sendResponseHeaders(r.status, bytes.length);
        OutputStream os = ex.getResponseBody();
        if (truncate) {
            os.write(bytes, 0, bytes.length / 2);
            os.flush();
            ex.close(); // fewer bytes than Content-Length: the server closes the connection
            return;
        }
        os.write(bytes);
        os.close();
    }

    /** {@code /api/x/} and {@code /api/x} are the same resource: trailing slashes go, except the root's. */
    private static String normalize(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    // ------------------------------------------------------------------ builder

    /** Builder of an {@link OntapSimulator}; call {@link #build()} then {@link OntapSimulator#start()}. */
    public static final class Builder {
        private int port = 0;
        private String bindAddress = "127.0.0.1";
        private String username = "admin";
        private String password = "netapp1!";
        private Duration retention = Duration.ofSeconds(300);
        private int threads = 16;
        private String nodeName = "sim-node-01";
        private String defaultSvm = "vs0";
        private long seed = 42;
        private SSLContext tls;
        private java.time.Clock clock = java.time.Clock.systemUTC();
        private int jobPollLog = 10_000;
        private String clusterName = "sim";
        private int nodeCount = 2;
        private List<String> nodes;
        private final Map<String, Duration> clockSkews = new LinkedHashMap<>();
        private int emsLogSize = 1000;
        private int emsRequestLog = 10_000;
        private final List<ScenarioFile> emsFiles = new ArrayList<>();
        private final List<Scenario> scenarios = new ArrayList<>();
        private final List<Fault> faults = new ArrayList<>();
        private final Map<String, List<ObjectNode>> collections = new LinkedHashMap<>();

        private Builder() {
        }

        /** TCP port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535, not " + port);
            }
            this.port = port;
            return this;
        }

        /** Address to listen on (default 127.0.0.1). */
        public Builder bindAddress(String address) {
            this.bindAddress = java.util.Objects.requireNonNull(address);
            return this;
        }

        /** Basic-auth user (default admin). */
        public Builder username(String username) {
            this.username = java.util.Objects.requireNonNull(username);
            return this;
        }

        /** Basic-auth password (default netapp1!). */
        public Builder password(String password) {
            this.password = java.util.Objects.requireNonNull(password);
            return this;
        }

        /** How long finished jobs are kept after their end_time (default 300 s, like ONTAP). */
        public Builder retention(Duration retention) {
            if (retention == null || retention.isNegative()) {
                throw new IllegalArgumentException("retention must be a non-negative duration");
            }
            this.retention = retention;
            return this;
        }

        /** Size of the request thread pool (default 16). Requests with return_timeout hold a thread while waiting. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Initial scenarios, in precedence order (later ones win). */
        public Builder scenarios(List<Scenario> scenarios) {
            this.scenarios.addAll(scenarios);
            return this;
        }

        public Builder scenario(Scenario scenario) {
            this.scenarios.add(scenario);
            return this;
        }

        /** Initial faults (later ones are checked first). */
        public Builder faults(List<Fault> faults) {
            this.faults.addAll(faults);
            return this;
        }

        public Builder fault(Fault fault) {
            this.faults.add(fault);
            return this;
        }

        /** Seeds a collection (e.g. {@code /api/storage/volumes}); records without a uuid get one. */
        public Builder collection(String path, List<ObjectNode> records) {
            if (!path.startsWith("/api/")) {
                throw new IllegalArgumentException("a collection path starts with /api/: " + path);
            }
            this.collections.computeIfAbsent(path, k -> new ArrayList<>()).addAll(records);
            return this;
        }

        /** Adds everything from a scenario file. */
        public Builder scenarioFile(ScenarioFile file) {
            this.scenarios.addAll(file.scenarios());
            this.faults.addAll(file.faults());
            file.collections().forEach(this::collection);
            file.emsSettings().applyTo(this);
            emsFiles.add(file);
            return this;
        }

        /** The cluster's name: its nodes are {@code <cluster>-01}, {@code <cluster>-02}, … (default {@code sim}). */
        public Builder clusterName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("clusterName must not be blank");
            }
            this.clusterName = name;
            return this;
        }

        /** How many nodes the cluster has (default 2), named {@code <cluster>-01}, … unless {@link #nodes} names them. */
        public Builder nodeCount(int count) {
            if (count < 1 || count > 24) {
                throw new IllegalArgumentException("nodeCount must be within 1..24, not " + count);
            }
            this.nodeCount = count;
            return this;
        }

        /** The cluster's node names, in order (overrides {@link #clusterName} and {@link #nodeCount}). */
        public Builder nodes(String... names) {
            if (names.length == 0 || new java.util.HashSet<>(List.of(names)).size() != names.length) {
                throw new IllegalArgumentException("nodes: give at least one name, each once: " + List.of(names));
            }
            this.nodes = List.of(names);
            return this;
        }

        /** A node's clock runs this much ahead (negative: behind) of the simulator's: its events' {@code time} shows it. */
        public Builder clockSkew(String node, Duration skew) {
            this.clockSkews.put(java.util.Objects.requireNonNull(node), java.util.Objects.requireNonNull(skew));
            return this;
        }

        /** How many events each node's log keeps (default 1000; the oldest fall off; 0 keeps none). */
        public Builder emsLogSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("emsLogSize must be at least 0, not " + size);
            }
            this.emsLogSize = size;
            return this;
        }

        /** How many of the latest EMS requests {@link OntapSimulator#emsRequests()} keeps (default 10,000; 0: none). */
        public Builder emsRequestLog(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("emsRequestLog must be at least 0, not " + size);
            }
            this.emsRequestLog = size;
            return this;
        }

        List<String> nodeNames() {
            if (nodes != null) {
                return nodes;
            }
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= nodeCount; i++) {
                out.add(String.format("%s-%02d", clusterName, i));
            }
            return out;
        }

        /** {@code node.name} of every job (default sim-node-01). */
        public Builder nodeName(String nodeName) {
            this.nodeName = java.util.Objects.requireNonNull(nodeName);
            return this;
        }

        /** {@code svm.name} of jobs whose request body names no SVM (default vs0). */
        public Builder defaultSvm(String svmName) {
            this.defaultSvm = java.util.Objects.requireNonNull(svmName);
            return this;
        }

        /** Seed of the Random drawing fault probabilities (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The clock that jobs start, run and end by (default: the system's). A test that drives its client on virtual
         * time gives the same time here, so that a job of ten seconds lasts ten virtual seconds.
         */
        public Builder clock(java.time.Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock);
            return this;
        }

        /** How many of the latest jobs-endpoint reads {@link OntapSimulator#jobPolls()} keeps (default 10,000; 0: none). */
        public Builder jobPollLog(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("jobPollLog must be at least 0, not " + size);
            }
            this.jobPollLog = size;
            return this;
        }

        /** Serves HTTPS with this context (its key manager holds the server certificate) instead of plain HTTP. */
        public Builder tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** Serves HTTPS with the first key in a PKCS12 or JKS key store. */
        public Builder tls(java.nio.file.Path keyStore, char[] password) {
            try (var in = java.nio.file.Files.newInputStream(keyStore)) {
                java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                store.load(in, password);
                javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), null, null);
                return tls(context);
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot use " + keyStore + " as the TLS key store: " + e.getMessage(), e);
            }
        }

        public OntapSimulator build() {
            return new OntapSimulator(this);
        }
    }
}

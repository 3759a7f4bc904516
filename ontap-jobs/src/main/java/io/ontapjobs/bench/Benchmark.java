package io.ontapjobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.AsyncProcessorConverterHelper;

/**
 * ontap-jobs against the common client's shape, on the same jobs, in one process and one run: N jobs with
 * durations drawn from a fixed seed, run on the in-process simulator, once by a per-job poller at a fixed 1 s
 * interval (the baseline) and once through the {@code ontap:} component (trigger, tracker, outcome). The jobs are
 * triggered all at once, or ({@link #arrivingOver}) one by one, evenly over a span, as files dropped into the inbox.
 */
public final class Benchmark {
    static final String USER = "admin";
    static final String PASSWORD = "netapp1!";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one variant measured. */
    public record Result(String variant, int jobs, int detected, long jobRequests, double p50, double p95, double p99,
                         double completionsPerSecond, long peakHeapMb, int peakThreads) {
        double requestsPerJob() {
            return detected == 0 ? Double.NaN : (double) jobRequests / detected;
        }
    }

    private final int jobs;
    private final long seed;
    private final int maxSeconds;
    private Duration arrival = Duration.ZERO;

    public Benchmark(int jobs, long seed, int maxSeconds) {
        this.jobs = jobs;
        this.seed = seed;
        this.maxSeconds = maxSeconds;
    }

    /** Operation i arrives at {@code spread × i / N} instead of all at the start (zero: all at once). */
    public Benchmark arrivingOver(Duration spread) {
        this.arrival = spread;
        return this;
    }

    private long arrivalNanos(int i) {
        return arrival.toNanos() * i / jobs;
    }

    /**
     * Job i lasts durations[i] tenths of a second, uniform in 1 s..max (tenths, so that ends do not line up with a
     * poller's ticks); job i is triggered on a path whose scenario gives that duration.
     */
    int[] durations() {
        Random r = new Random(seed);
        int[] d = new int[jobs];
        for (int i = 0; i < jobs; i++) {
            d[i] = 10 + r.nextInt(maxSeconds * 10 - 9);
        }
        return d;
    }

    private OntapSimulator simulator() {
        OntapSimulator sim = OntapSimulator.builder().port(0).threads(16).username(USER).password(PASSWORD).build().start();
        for (int tenths = 10; tenths <= maxSeconds * 10; tenths++) {
            sim.addScenario(Scenario.on("POST", "/api/bench/s" + tenths + "/*").duration(Duration.ofMillis(tenths * 100L)).build());
        }
        return sim;
    }

    /** The common client: trigger, then one GET per job every second until it ends. */
    public Result baseline() throws Exception {
        if (!arrival.isZero()) {
            return staggeredBaseline();
        }
        int[] durations = durations();
        try (OntapSimulator sim = simulator(); Sampler sampler = new Sampler()) {
            var pool = Executors.newFixedThreadPool(20);
            HttpClient http = HttpClient.newBuilder().executor(pool).build();
            String auth = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            Semaphore inFlight = new Semaphore(20); // what widely used clients allow per cluster
            long start = System.nanoTime();
            String[] uuids = new String[jobs];
            long[] latencyMs = new long[jobs];
            boolean[] seen = new boolean[jobs];
            for (int i = 0; i < jobs; i++) {
                inFlight.acquire();
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/bench/s" + durations[i] + "/x"))
                            .header("Authorization", auth).POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                    uuids[i] = JSON.readTree(r.body()).at("/job/uuid").asText();
                } finally {
                    inFlight.release();
                }
            }
            sim.stats().reset();
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
            AtomicLong remaining = new AtomicLong(jobs);
            CompletableFuture<Void> allSeen = new CompletableFuture<>();
            ticker.scheduleAtFixedRate(() -> {
                for (int i = 0; i < jobs; i++) {
                    if (seen[i]) {
                        continue;
                    }
                    inFlight.acquireUninterruptibly(); // a full pool delays the tick, as it does in such clients
                    int job = i;
                    http.sendAsync(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/cluster/jobs/" + uuids[job] + "?fields=state,code,message"))
                            .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                        inFlight.release();
                        if (r != null && (r.body().contains("\"success\"") || r.body().contains("\"failure\"")) && !seen[job]) {
                            seen[job] = true;
                            latencyMs[job] = latency(sim, uuids[job]);
                            if (remaining.decrementAndGet() == 0) {
                                allSeen.complete(null);
                            }
                        }
                    });
                }
            }, 1, 1, TimeUnit.SECONDS);
            allSeen.get(maxSeconds + 600L, TimeUnit.SECONDS);
            ticker.shutdownNow();
            long end = System.nanoTime();
            pool.shutdownNow(); // its threads must not count against the next variant
            return result("baseline: per-job GET every 1 s", sim, sampler, latencyMs, seen, start, end);
        }
    }

    /**
     * The common client with operations arriving one by one: each is triggered when it arrives, then read every
     * second from its trigger on until it ends.
     */
    private Result staggeredBaseline() throws Exception {
        int[] durations = durations();
        try (OntapSimulator sim = simulator(); Sampler sampler = new Sampler()) {
            var pool = Executors.newFixedThreadPool(20);
            HttpClient http = HttpClient.newBuilder().executor(pool).build();
            String auth = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            Semaphore inFlight = new Semaphore(20);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            long[] latencyMs = new long[jobs];
            boolean[] seen = new boolean[jobs];
            AtomicLong remaining = new AtomicLong(jobs);
            CompletableFuture<Void> allSeen = new CompletableFuture<>();
            sim.stats().reset();
            long start = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                int job = i;
                timer.schedule(() -> {
                    inFlight.acquireUninterruptibly();
                    http.sendAsync(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/bench/s" + durations[job] + "/x"))
                            .header("Authorization", auth).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                            HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                        inFlight.release();
                        try {
                            String uuid = JSON.readTree(r.body()).at("/job/uuid").asText();
                            timer.schedule(() -> new Object() {
                                void poll() {
                                    long sent = System.nanoTime();
                                    inFlight.acquireUninterruptibly();
                                    http.sendAsync(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/cluster/jobs/" + uuid
                                            + "?fields=state,code,message")).header("Authorization", auth).build(),
                                            HttpResponse.BodyHandlers.ofString()).whenComplete((p, pe) -> {
                                        inFlight.release();
                                        if (p != null && (p.body().contains("\"success\"") || p.body().contains("\"failure\""))) {
                                            latencyMs[job] = latency(sim, uuid);
                                            seen[job] = true;
                                            if (remaining.decrementAndGet() == 0) {
                                                allSeen.complete(null);
                                            }
                                        } else { // the next read one second after this one was sent
                                            timer.schedule(this::poll, Math.max(0, sent + 1_000_000_000L - System.nanoTime()), TimeUnit.NANOSECONDS);
                                        }
                                    });
                                }
                            }.poll(), 1, TimeUnit.SECONDS);
                        } catch (Exception x) {
                            allSeen.completeExceptionally(e != null ? e : x);
                        }
                    });
                }, arrivalNanos(i), TimeUnit.NANOSECONDS);
            }
            allSeen.get(arrival.toSeconds() + maxSeconds + 600L, TimeUnit.SECONDS);
            long end = System.nanoTime();
            timer.shutdownNow();
            pool.shutdownNow();
            return result("baseline: per-job GET every 1 s", sim, sampler, latencyMs, seen, start, end);
        }
    }

    /** ontap-jobs: every job through the ontap: component's async producer; no thread waits per job. */
    public Result ontapJobs() throws Exception {
        return ontapJobs(null);
    }

    /**
     * ontap-jobs as the service runs it: every step recorded in the embedded H2 store under {@code stateDir}, every
     * outcome delivered by the outbox to {@code stateDir/outcomes}. Completions per second count until the last
     * outcome file is written; detection counts until the outcome is stored.
     */
    public Result ontapJobsDurable(Path stateDir) throws Exception {
        return ontapJobs(stateDir, null, null, null);
    }

    /**
     * As {@link #ontapJobsDurable(Path)} with the store at {@code jdbcUrl} (PostgreSQL, as several replicas share it):
     * outcome files and dead letters still under {@code stateDir}.
     */
    public Result ontapJobsDurable(Path stateDir, String jdbcUrl, String user, String password) throws Exception {
        return ontapJobs(stateDir, jdbcUrl, user, password);
    }

    private Result ontapJobs(Path stateDir) throws Exception {
        return ontapJobs(stateDir, null, null, null);
    }

    private Result ontapJobs(Path stateDir, String jdbcUrl, String user, String password) throws Exception {
        int[] durations = durations();
        try (OntapSimulator sim = simulator(); DefaultCamelContext context = new DefaultCamelContext(); Sampler sampler = new Sampler()) {
            OntapComponent ontap = new OntapComponent();
            ontap.addCluster(ClusterConfig.of("bench", sim.baseUrl(), USER, PASSWORD));
            context.addComponent("ontap", ontap);
            if (stateDir != null) {
                if (jdbcUrl == null) {
                    context.getPropertiesComponent().addInitialProperty("ontap.state.dir", stateDir.toString());
                } else {
                    context.getPropertiesComponent().addInitialProperty("ontap.state.jdbc-url", jdbcUrl);
                    context.getPropertiesComponent().addInitialProperty("ontap.state.user", user == null ? "" : user);
                    context.getPropertiesComponent().addInitialProperty("ontap.state.password", password == null ? "" : password);
                    context.getPropertiesComponent().addInitialProperty("ontap.outcomes.dead-letter.dir", stateDir.resolve("dead-letter").toString());
                }
                context.getPropertiesComponent().addInitialProperty("ontap.outcomes.dir", stateDir.resolve("outcomes").toString());
                new io.ontapjobs.service.OutcomeDelivery().configure(context); // the service's store and outbox
            }
            context.start();
            long[] latencyMs = new long[jobs];
            boolean[] seen = new boolean[jobs];
            List<CompletableFuture<Exchange>> all = new ArrayList<>(jobs);
            ConcurrentHashMap<Integer, AsyncProcessor> producers = new ConcurrentHashMap<>();
            List<Runnable> sends = new ArrayList<>(jobs);
            for (int i = 0; i < jobs; i++) {
                int job = i;
                int s = durations[i];
                AsyncProcessor producer = producers.computeIfAbsent(s, k -> {
                    try {
                        Endpoint ep = context.getEndpoint("ontap:bench?method=POST&path=/api/bench/s" + k + "/x&timeout=30m");
                        return AsyncProcessorConverterHelper.convert(ep.createProducer());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                CompletableFuture<Exchange> done = new CompletableFuture<>();
                all.add(done.whenComplete((x, e) -> {
                    if (x != null && x.getMessage().getHeader("CamelOntapJobUuid") != null) {
                        latencyMs[job] = latency(sim, x.getMessage().getHeader("CamelOntapJobUuid", String.class));
                        seen[job] = true;
                    }
                }));
                sends.add(() -> {
                    Exchange exchange = context.getEndpoint("ontap:bench").createExchange();
                    exchange.getIn().setBody("{}");
                    producer.processAsync(exchange).whenComplete((x, e) -> {
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            done.complete(x);
                        }
                    });
                });
            }
            long start = System.nanoTime();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            for (int i = 0; i < jobs; i++) {
                if (arrival.isZero()) {
                    sends.get(i).run();
                } else {
                    timer.schedule(sends.get(i), arrivalNanos(i), TimeUnit.NANOSECONDS);
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(arrival.toSeconds() + maxSeconds + 600L, TimeUnit.SECONDS);
            timer.shutdownNow();
            if (stateDir != null) {
                long stored = System.nanoTime();
                awaitOutcomeFiles(stateDir.resolve("outcomes"), maxSeconds + 600L);
                System.err.printf(Locale.ROOT, "bench: %d outcomes stored after %.1f s, their files written after %.1f s%n",
                        jobs, (stored - start) / 1e9, (System.nanoTime() - start) / 1e9);
            }
            long end = System.nanoTime();
            long ok = all.stream().filter(f -> "succeeded".equals(f.join().getMessage().getHeader("CamelOntapStatus"))).count();
            if (ok != jobs) {
                throw new IllegalStateException((jobs - ok) + " of " + jobs + " jobs did not succeed");
            }
            return result(stateDir == null ? "ontap-jobs: tracker (watermark + batches)"
                            : "ontap-jobs durable: " + (jdbcUrl == null ? "H2" : jdbcUrl.startsWith("jdbc:postgresql:") ? "PostgreSQL" : "JDBC")
                            + " store + outcome files",
                    sim, sampler, latencyMs, seen, start, end);
        }
    }

    /** Until every job's outcome file is in {@code dir} (the outbox writes them after the operations end). */
    private void awaitOutcomeFiles(Path dir, long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            long written;
            try (var files = Files.list(dir)) {
                written = files.filter(f -> f.getFileName().toString().endsWith(".json")).count();
            } catch (java.nio.file.NoSuchFileException e) {
                written = 0;
            }
            if (written >= jobs) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + written + " of " + jobs + " outcome files after " + timeoutSeconds + " s");
            }
            Thread.sleep(20); // the benchmark's own wait; 20 ms is below what it measures
        }
    }

    /** From the job's true end (the simulator's, to the millisecond) to now, when its end was noticed. */
    private static long latency(OntapSimulator sim, String uuid) {
        return sim.endInstant(uuid).map(e -> System.currentTimeMillis() - e.toEpochMilli()).orElse(-1L);
    }

    private Result result(String variant, OntapSimulator sim, Sampler sampler, long[] latencyMs, boolean[] seen, long start, long end) {
        double[] latency = new double[jobs];
        int detected = 0;
        for (int i = 0; i < jobs; i++) {
            if (seen[i] && latencyMs[i] >= 0) {
                latency[detected++] = latencyMs[i] / 1000.0;
            }
        }
        double[] l = Arrays.copyOf(latency, detected);
        Arrays.sort(l);
        return new Result(variant, jobs, detected, sim.stats().jobGets() + sim.stats().jobListGets(),
                percentile(l, 50), percentile(l, 95), percentile(l, 99), detected / ((end - start) / 1e9),
                sampler.peakHeapMb(), sampler.peakThreads());
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }

    /** Samples used heap every 100 ms and the JVM's peak thread count over a phase. */
    static final class Sampler implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicLong peakHeap = new AtomicLong();

        Sampler() {
            System.gc();
            ManagementFactory.getThreadMXBean().resetPeakThreadCount();
            timer.scheduleAtFixedRate(() -> peakHeap.accumulateAndGet(
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max), 0, 100, TimeUnit.MILLISECONDS);
        }

        long peakHeapMb() {
            return peakHeap.get() / (1024 * 1024);
        }

        int peakThreads() {
            return ManagementFactory.getThreadMXBean().getPeakThreadCount();
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** The table, in Markdown, with ours/baseline ratios. */
    public static String table(List<Result[]> pairs) {
        return table(pairs, "ours / baseline");
    }

    /** The table, in Markdown, with the second variant of each pair over the first, named {@code ratio}. */
    public static String table(List<Result[]> pairs, String ratio) {
        StringBuilder t = new StringBuilder();
        t.append("| jobs | variant | jobs-endpoint requests per job | detection p50 / p95 / p99 (s) | completions/s | peak heap (MB) | peak JVM threads |\n");
        t.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Result[] pair : pairs) {
            for (Result r : pair) {
                t.append(String.format(Locale.ROOT, "| %d | %s | %.3f | %.2f / %.2f / %.2f | %.0f | %d | %d |%n", r.jobs(), r.variant(),
                        r.requestsPerJob(), r.p50(), r.p95(), r.p99(), r.completionsPerSecond(), r.peakHeapMb(), r.peakThreads()));
            }
            Result b = pair[0];
            Result o = pair[1];
            t.append(String.format(Locale.ROOT, "| %d | **ratio %s** | **%.3f** | %.2f / %.2f / %.2f | %.2f | %.2f | %.2f |%n", o.jobs(), ratio,
                    o.requestsPerJob() / b.requestsPerJob(), o.p50() / b.p50(), o.p95() / b.p95(), o.p99() / b.p99(),
                    o.completionsPerSecond() / b.completionsPerSecond(), (double) o.peakHeapMb() / b.peakHeapMb(),
                    (double) o.peakThreads() / b.peakThreads()));
        }
        return t.toString();
    }
}

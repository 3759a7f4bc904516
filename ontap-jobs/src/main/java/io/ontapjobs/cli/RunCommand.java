package io.ontapjobs.cli;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.policy.PolicyException;
import io.ontapjobs.component.OntapConstants;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The one-shot pipeline step: trigger, await, print the outcome, exit with a code that says how it ended. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Triggers one ONTAP operation, waits for its job(s) and prints the outcome (CloudEvents JSON) on stdout.",
                "Progress goes to stderr. Exit codes: 0 succeeded, 1 failed/cancelled/rejected, 2 usage or configuration error"
                        + " (bad flag, bad JSON, missing password, 401/403, untrusted certificate), 3 timed out, 4 lost."})
public class RunCommand implements Callable<Integer> {

    @Option(names = "--url", required = true, description = "Cluster management URL: https://host (verified TLS) or http://host:port (simulator)")
    String url;
    @Option(names = "--user", defaultValue = "admin", description = "User name (default: ${DEFAULT-VALUE})")
    String user;
    @Option(names = "--password-env", required = true, paramLabel = "VAR", description = "Name of the environment variable that holds the password")
    String passwordEnv;
    @Option(names = "--method", defaultValue = "POST", description = "POST, PATCH or DELETE (default: ${DEFAULT-VALUE})")
    String method;
    @Option(names = "--path", required = true, description = "REST path, e.g. /api/storage/volumes")
    String path;
    @Option(names = "--body", description = "JSON body")
    String body;
    @Option(names = "--body-file", description = "File with the JSON body (instead of --body)")
    Path bodyFile;
    @Option(names = "--query", paramLabel = "NAME=VALUE", description = "Query parameter of the trigger (repeatable)")
    Map<String, String> query = new LinkedHashMap<>();
    @Option(names = "--id", description = "Operation id (default: generated)")
    String id;
    @Option(names = "--timeout", description = "How long to wait, e.g. 10m (default: the policy's timeout)")
    String timeout;
    @Option(names = "--return-timeout", paramLabel = "SECONDS", description = "ONTAP return_timeout (0-120) for the trigger")
    Integer returnTimeout;
    @Option(names = "--unreachable-after", paramLabel = "DURATION", defaultValue = "30s",
            description = "Give up (exit 4) when the cluster cannot be reached at all for this long before the trigger was sent (default: ${DEFAULT-VALUE})")
    String unreachableAfter;
    @Option(names = "--insecure", description = "Do not verify the cluster's TLS certificate")
    boolean insecure;
    @Option(names = "--truststore", description = "Trust store (PKCS12 or JKS) with the cluster's CA certificate")
    Path truststore;
    @Option(names = "--truststore-password-env", paramLabel = "VAR", description = "Environment variable with the trust store's password")
    String truststorePasswordEnv;
    @Option(names = "--policy", description = "Policy name (default: default)")
    String policy;
    @Option(names = "--no-cancel-on-exit", description = "On Ctrl-C or SIGTERM, leave the job running (default: cancel it)")
    boolean noCancelOnExit;
    @Option(names = "--policies", description = "Policies file (default: config/policies.yaml if present, else built-in)")
    Path policiesFile;

    @Spec
    CommandSpec spec;

    /** Where passwords are read from; tests replace it, since a JVM cannot change its own environment. */
    java.util.function.UnaryOperator<String> environment = System::getenv;

    @Override
    public Integer call() throws Exception {
        OperationRequest request;
        ClusterConfig cluster;
        Duration wait;
        try {
            cluster = cluster();
            wait = timeout == null ? null : Durations.parse(timeout);
            request = new OperationRequest(id, "default", method, path, query, bodyJson(), wait, policy, returnTimeout);
        } catch (InvalidRequestException | IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
        if (System.getProperty("ontap.camel.log.level") == null) {
            System.setProperty("ontap.camel.log.level", "WARN"); // a pipeline step: our lines, not Camel's start-up
        }
        io.ontapjobs.store.OperationStore store = null;
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            lean(context);
            OntapComponent ontap = new OntapComponent();
            // -Dontap.state.jdbc-url=…: the operation recorded in that database, as the service records it
            store = io.ontapjobs.store.OperationStore.configured(k -> context.getPropertiesComponent().resolveProperty(k));
            if (store != null) {
                ontap.setOperationRepository(store.repository(java.util.List.of()));
            }
            ontap.addCluster(cluster);
            // --policies, else config/policies.yaml if present (the component reads no file it is not given)
            Path policies = policiesFile != null ? policiesFile
                    : java.nio.file.Files.isRegularFile(Path.of("config/policies.yaml")) ? Path.of("config/policies.yaml") : null;
            if (policies != null) {
                ontap.setPolicies(Policies.load(policies));
            }
            context.addComponent("ontap", ontap);
            context.start();
            ProducerTemplate template = context.createProducerTemplate();
            AtomicBoolean done = new AtomicBoolean();
            Thread onExit = new Thread(() -> interrupted(ontap, request, done), "ontap-run-exit");
            Runtime.getRuntime().addShutdownHook(onExit);
            var progress = stderrIsTerminal() ? showProgress(ontap, request.id()) : null; // else: the log's plain lines
            Exchange result = template.send("ontap:default", e -> e.getIn().setBody(request));
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C or SIGTERM as the job ended: the hook prints the outcome and exits; one outcome, no stack trace
                Thread.sleep(Long.MAX_VALUE);
            }
            done.set(true);
            if (progress != null) {
                progress.shutdownNow();
                System.err.println();
            }
            if (result.getException() != null) {
                if (result.getException() instanceof InvalidRequestException bad) {
                    throw new Main.UsageError(bad.getMessage());
                }
                throw result.getException();
            }
            Outcome outcome = result.getMessage().getHeader(OntapConstants.OUTCOME, Outcome.class);
            spec.commandLine().getOut().println(outcome.toJson());
            spec.commandLine().getOut().flush();
            return exitCode(outcome);
        } catch (PolicyException e) {
            throw new Main.UsageError(e.getMessage());
        } finally {
            if (store != null) {
                store.close();
            }
        }
    }

    /**
     * A one-shot step starts only what it uses: one component and a producer template, no routes. Camel's optional
     * type converter loaders (Vert.x, JMS, Spring, servlet, file… about 0.3 s of class loading on a loaded machine)
     * and health checks are not loaded; the core converters stay.
     */
    static void lean(DefaultCamelContext context) {
        context.setLoadTypeConverters(false);
        context.setLoadHealthChecks(false);
        context.setModeline(false);
        context.setDevConsole(false);
        context.setTypeConverterStatisticsEnabled(false);
    }

    /**
     * Ctrl-C or SIGTERM while the job runs: cancel it (unless --no-cancel-on-exit), print the outcome, exit 3.
     * Runs in a shutdown hook, so it is quick and bounded.
     */
    private void interrupted(OntapComponent ontap, OperationRequest request, AtomicBoolean done) {
        if (done.get()) {
            return;
        }
        var err = spec.commandLine().getErr();
        try {
            if (noCancelOnExit) {
                err.println("ontap-jobs: interrupted; the job keeps running on the cluster (--no-cancel-on-exit)");
            } else {
                var cancel = ontap.runner().control(request.id(), "cancel").get(10, TimeUnit.SECONDS);
                err.println("ontap-jobs: interrupted; cancel of job " + cancel.job() + " "
                        + (cancel.accepted() ? "accepted" : "refused: " + cancel.code() + " " + cancel.message()));
                if (cancel.accepted()) {
                    Outcome outcome = ontap.runner().run(request).get(10, TimeUnit.SECONDS); // the same run: its end
                    spec.commandLine().getOut().println(outcome.toJson());
                    spec.commandLine().getOut().flush();
                }
            }
        } catch (Exception e) {
            err.println("ontap-jobs: interrupted; " + e.getMessage());
        } finally {
            err.flush();
            Runtime.getRuntime().halt(Main.TIMED_OUT);
        }
    }

    /**
     * Whether stderr, where progress goes, is a terminal, also when stdout is piped ({@code run … | jq}), which
     * {@link System#console()} alone would call "no terminal". Linux tells through /proc; elsewhere, the console.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** On a terminal: one line redrawn in place (state, elapsed time, the job's message) instead of log lines. */
    private static java.util.concurrent.ScheduledExecutorService showProgress(OntapComponent ontap, String id) {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.ontapjobs")).setLevel(ch.qos.logback.classic.Level.WARN);
        long start = System.nanoTime();
        var timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ontap-run-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> io.ontapjobs.api.OperationViews.view(ontap.runner(), id).ifPresent(v ->
                System.err.print("\r" + progressLine(v, Duration.ofNanos(System.nanoTime() - start), 100))), 0, 500, TimeUnit.MILLISECONDS);
        return timer;
    }

    /** {@code running  0:42  job 1cd8a442…  running: Creating volume}, cut or padded to {@code width}. */
    static String progressLine(com.fasterxml.jackson.databind.JsonNode view, Duration elapsed, int width) {
        var job = view.path("jobs").path(view.path("jobs").size() - 1);
        if (job.isMissingNode()) {
            job = view.path("job");
        }
        String line = String.format("%-10s %d:%02d  %s  %s%s", view.path("status").asText(), elapsed.toMinutes(), elapsed.toSecondsPart(),
                job.hasNonNull("uuid") ? "job " + job.get("uuid").asText().substring(0, 8) + "…" : "",
                job.hasNonNull("state") ? job.get("state").asText() : "",
                job.hasNonNull("message") ? ": " + job.get("message").asText() : "");
        return line.length() > width ? line.substring(0, width - 1) + "…" : String.format("%-" + width + "s", line);
    }

    static int exitCode(Outcome outcome) {
        return switch (outcome.status()) {
            case SUCCEEDED -> Main.OK;
            case FAILED, CANCELLED -> Main.FAILED;
            case REJECTED -> outcome.httpStatus() == null || outcome.httpStatus() == 401 || outcome.httpStatus() == 403
                    ? Main.USAGE : Main.FAILED;
            case TIMED_OUT -> Main.TIMED_OUT;
            case LOST -> Main.LOST;
        };
    }

    private ClusterConfig cluster() {
        String password = environment.apply(passwordEnv);
        if (password == null || password.isEmpty()) {
            throw new Main.UsageError("--password-env: the environment variable " + passwordEnv + " is not set");
        }
        if (insecure && truststore != null) {
            throw new Main.UsageError("--insecure and --truststore exclude each other");
        }
        if (truststore != null && !Files.isReadable(truststore)) {
            throw new Main.UsageError("--truststore: cannot read " + truststore);
        }
        URI uri;
        try {
            uri = io.ontapjobs.ontap.Urls.parse(url, "--url");
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage()); // names --url, never repeats it (it may hold a password)
        }
        String storePassword = truststorePasswordEnv == null ? null : environment.apply(truststorePasswordEnv);
        try {
            Duration window;
            try {
                window = io.ontapjobs.policy.Durations.parse(unreachableAfter);
            } catch (IllegalArgumentException e) {
                throw new Main.UsageError("--unreachable-after: " + e.getMessage());
            }
            return new ClusterConfig("default", uri, user, password, insecure, truststore, storePassword,
                    ClusterConfig.DEFAULT_MAX_CONCURRENT_REQUESTS, ClusterConfig.DEFAULT_REQUEST_TIMEOUT)
                    .withUnreachableAfter(window.isZero() ? ClusterConfig.DEFAULT_UNREACHABLE_AFTER : window);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--url: " + e.getMessage());
        }
    }

    private com.fasterxml.jackson.databind.JsonNode bodyJson() {
        if (body != null && bodyFile != null) {
            throw new Main.UsageError("--body and --body-file exclude each other");
        }
        String text = body;
        if (bodyFile != null) {
            try {
                text = Files.readString(bodyFile);
            } catch (IOException e) {
                throw new Main.UsageError("--body-file: cannot read " + bodyFile + " (" + e.getMessage() + ")");
            }
        }
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Main.UsageError((bodyFile != null ? "--body-file" : "--body") + ": not valid JSON ("
                    + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }
}

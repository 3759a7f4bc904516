package io.ontapjobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.store.PostgresServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/ontap-jobs.jar as users run it, with nothing else on the class path: the simulator in one process, the
 * one-shot command in others. Proves the fat jar's merged service files (Camel's components and type converters,
 * Flyway's database plugins, JDBC drivers) work.
 */
class PackagedJarIT {
    static final Path JAR = Path.of("target/ontap-jobs.jar").toAbsolutePath();
    static Process simulator;
    static String url;
    @TempDir
    Path tmp;

    @BeforeAll
    static void startSimulator() throws Exception {
        simulator = new ProcessBuilder("java", "-jar", JAR.toString(), "simulator", "--port", "0", "--retention", "2s")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(simulator.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on (http://\\S+)");
        for (String line; (line = out.readLine()) != null; ) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                url = m.group(1);
                break;
            }
        }
        assertThat(url).as("simulator announced its URL").isNotNull();
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
    }

    @AfterAll
    static void stopSimulator() throws Exception {
        simulator.destroy();
        simulator.waitFor(10, TimeUnit.SECONDS);
    }

    record Result(int code, String stdout, String stderr) {
    }

    private Result run(String password, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("SIM_PASSWORD", password);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt")), Files.readString(tmp.resolve("err.txt")));
    }

    @Test
    void oneShotSucceedsAgainstTheSimulatorProcess() throws Exception {
        Result r = run("netapp1!", "run", "--url", url, "--password-env", "SIM_PASSWORD",
                "--method", "POST", "--path", "/api/storage/volumes", "--body", "{\"name\":\"vol1\"}");

        assertThat(r.code()).as(r.stderr()).isZero();
        var outcome = new ObjectMapper().readTree(r.stdout());
        assertThat(outcome.get("type").asText()).isEqualTo("ontap.operation.succeeded");
        assertThat(r.stderr()).contains("Triggered POST /api/storage/volumes").doesNotContain("netapp1!");
    }

    @Test
    void aMistypedFlagNeverEchoesItsValueAndInsecureIsWarnedOf() throws Exception {
        Result typo = run("netapp1!", "run", "--url", url, "--password-env", "SIM_PASSWORD", "--password", "Typed-Secret-9",
                "--path", "/api/storage/volumes");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.stderr()).contains("unknown option --password").doesNotContain("Typed-Secret-9");

        Result insecure = run("netapp1!", "run", "--url", url, "--password-env", "SIM_PASSWORD", "--insecure",
                "--method", "POST", "--path", "/api/storage/volumes", "--body", "{\"name\":\"vol-insecure\"}");
        assertThat(insecure.code()).as(insecure.stderr()).isZero();
        assertThat(insecure.stderr()).containsPattern("WARN .*Cluster default: TLS certificate verification is off");
    }

    @Test
    void oneShotKeepsItsStateInPostgresql() throws Exception {
        PostgresServer.Database db = PostgresServer.newDatabase();
        ProcessBuilder pb = new ProcessBuilder("java", "-Dontap.state.jdbc-url=" + db.url(), "-Dontap.state.user=" + PostgresServer.USER,
                "-jar", JAR.toString(), "run", "--id", "jar-pg-1", "--url", url, "--password-env", "SIM_PASSWORD",
                "--method", "POST", "--path", "/api/storage/volumes", "--body", "{\"name\":\"vol1\"}")
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("SIM_PASSWORD", "netapp1!");
        pb.environment().put("ONTAP_STATE_PASSWORD", PostgresServer.PASSWORD); // a secret: from the environment
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isZero();
        // the jar's own driver and Flyway's PostgreSQL plugin (a merged META-INF/services entry) made the schema and the row
        try (var c = db.connect(); var s = c.createStatement();
             var r = s.executeQuery("SELECT status FROM operation WHERE id = 'jar-pg-1'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("succeeded");
        }
        assertThat(Files.readString(tmp.resolve("out.txt")) + err).doesNotContain(PostgresServer.PASSWORD);
    }

    @Test
    void theJarKeepsEveryDatabasePluginAndDriver() throws Exception {
        // Flyway finds database support, and DriverManager drivers, through META-INF/services files that each jar
        // brings under the same name: the shade plugin must merge them, not keep the first
        try (var jar = new java.util.jar.JarFile(JAR.toFile())) {
            String plugins = new String(jar.getInputStream(jar.getEntry("META-INF/services/org.flywaydb.core.extensibility.Plugin"))
                    .readAllBytes(), StandardCharsets.UTF_8);
            String drivers = new String(jar.getInputStream(jar.getEntry("META-INF/services/java.sql.Driver")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(plugins).contains("org.flywaydb.core.internal.database.h2.H2DatabaseType")
                    .contains("org.flywaydb.database.postgresql.PostgreSQLDatabaseType");
            assertThat(drivers).contains("org.h2.Driver").contains("org.postgresql.Driver");
        }
    }

    @Test
    void sigtermCancelsTheJobAndExitsThree() throws Exception {
        // the simulator's control API scripts transfers to run until cancelled
        var http = java.net.http.HttpClient.newHttpClient();
        http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/_simulator/scenarios"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"method\":\"POST\",\"path\":\"/api/snapmirror/*\",\"runs-until-cancelled\":true}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", JAR.toString(), "run", "--url", url, "--password-env", "SIM_PASSWORD",
                "--path", "/api/snapmirror/relationships/r1/transfers", "--timeout", "10m")
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("SIM_PASSWORD", "netapp1!");
        Process run = pb.start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> Files.readString(tmp.resolve("err.txt")).contains("running"));

        run.destroy(); // SIGTERM, as Ctrl-C or a CI job's cancel would send

        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(run.exitValue()).as(err).isEqualTo(3);
        assertThat(err).contains("interrupted; cancel of job").contains("accepted");
        var outcome = new ObjectMapper().readTree(Files.readString(tmp.resolve("out.txt")));
        assertThat(outcome.at("/data/status").asText()).isEqualTo("cancelled");
        assertThat(outcome.at("/data/job/state").asText()).isEqualTo("failure");
    }

    @Test
    void evenAtTraceLevelNoPasswordIsLogged() throws Exception {
        List<String> command = List.of("java", "-Dontap.log.level=TRACE", "-Dontap.camel.log.level=TRACE", "-jar", JAR.toString(),
                "run", "--url", url, "--password-env", "SIM_PASSWORD", "--path", "/api/storage/volumes", "--body", "{}");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("SIM_PASSWORD", "netapp1!");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        String all = Files.readString(tmp.resolve("out.txt")) + Files.readString(tmp.resolve("err.txt"));
        assertThat(p.exitValue()).as(all).isZero();
        assertThat(all.lines().count()).as("trace logging is on").isGreaterThan(100);
        String basic = java.util.Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8));
        assertThat(all).doesNotContain("netapp1!").doesNotContain(basic);
    }

    @Test
    void wrongPasswordExitsTwoWithoutLeakingIt() throws Exception {
        Result r = run("s3cret-wrong", "run", "--url", url, "--password-env", "SIM_PASSWORD", "--path", "/api/storage/volumes");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stdout() + r.stderr()).doesNotContain("s3cret-wrong");
    }

    @Test
    void serviceFromAnEmptyDirectoryUsesTheJarsDefaultsAndTheEnvironment() throws Exception {
        // No config/ or routes/ here: the copies inside the jar apply; the cluster comes from the environment.
        // at DEBUG, where Camel's property resolution would print every value it finds: no secret may show
        ProcessBuilder pb = new ProcessBuilder("java", "-Dontap.log.level=DEBUG", "-Dontap.camel.log.level=DEBUG", "-jar", JAR.toString(), "serve")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile());
        pb.environment().put("ONTAP_CLUSTERS_DEFAULT_URL", url);
        pb.environment().put("ONTAP_BROKER_PASSWORD", "Broker-Secret-77");
        pb.environment().put("ONTAP_OUTCOMES_WEBHOOK_URL", "http://127.0.0.1:9/hook");
        pb.environment().put("ONTAP_OUTCOMES_WEBHOOK_SECRET", "whsec_RGVidWdMb2dXZWJob29rU2VjcmV0");
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            pb.environment().put("ONTAP_BROKER_PORT", String.valueOf(s.getLocalPort())); // not 61616: another service may run
        }
        pb.environment().put("ONTAP_CLUSTERS_DEFAULT_PASSWORD", "netapp1!");
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            pb.environment().put("ONTAP_API_PORT", String.valueOf(free.getLocalPort()));
        }
        Process serve = pb.start();
        try {
            Path inbox = Files.createDirectories(tmp.resolve("inbox"));
            Files.writeString(inbox.resolve(".r.tmp"), "{\"id\":\"from-env\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{}}");
            Files.move(inbox.resolve(".r.tmp"), inbox.resolve("r.json"));
            Path outcome = tmp.resolve("outcomes/inbox.from-env.json"); // the inbox's ids start with "inbox."
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> Files.exists(outcome) || !serve.isAlive());
            assertThat(outcome).as(Files.readString(tmp.resolve("serve.log"))).exists();
            assertThat(new ObjectMapper().readTree(outcome.toFile()).at("/data/status").asText()).isEqualTo("succeeded");
            assertThat(Files.readString(tmp.resolve("serve.log"))).doesNotContain("netapp1!").doesNotContain("in-process ONTAP simulator")
                    .doesNotContain("Broker-Secret-77").doesNotContain("RGVidWdMb2dXZWJob29rU2VjcmV0").contains(" DEBUG ");
        } finally {
            serve.destroy();
            serve.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void demoFromAnEmptyDirectoryPlaysTheScenariosShippedInTheJar() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", JAR.toString(), "serve", "--demo")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("demo.log").toFile());
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            pb.environment().put("ONTAP_BROKER_PORT", String.valueOf(s.getLocalPort()));
        }
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            pb.environment().put("ONTAP_API_PORT", String.valueOf(free.getLocalPort()));
        }
        Process serve = pb.start();
        try {
            // config/demo-scenarios.yaml (from the jar) makes the snapshot fail with "volume busy"; without it, it succeeds
            // (the demo's ids end in -<date>-<time>, fresh each run; the inbox's ids start with "inbox.")
            java.util.function.Function<String, Path> outcomeOf = prefix -> {
                try (var files = Files.list(tmp.resolve("outcomes"))) {
                    return files.filter(p -> p.getFileName().toString().matches("inbox\\." + prefix + "-\\d{8}-\\d{6}\\.json")).findFirst().orElse(null);
                } catch (java.io.IOException e) {
                    return null;
                }
            };
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> outcomeOf.apply("snapshot-vol1-nightly") != null && outcomeOf.apply("create-vol1") != null || !serve.isAlive());
            String log = Files.readString(tmp.resolve("demo.log"));
            Path outcome = outcomeOf.apply("snapshot-vol1-nightly");
            assertThat(outcome).as(log).isNotNull();
            var data = new ObjectMapper().readTree(outcome.toFile()).path("data");
            assertThat(data.path("status").asText()).isEqualTo("failed");
            assertThat(data.at("/job/error/code").asText()).isEqualTo("524486");
            assertThat(data.path("attempts").asInt()).as("retried twice").isEqualTo(3);
            // the volume shows what the README promises: queued, running with progress messages, then success
            var volume = new ObjectMapper().readTree(outcomeOf.apply("create-vol1").toFile()).path("data");
            assertThat(volume.path("status").asText()).isEqualTo("succeeded");
            assertThat(volume.path("polls").asInt()).as(log).isGreaterThan(1);
            assertThat(log).contains(" queued").contains("running: Creating volume");
            assertThat(log).doesNotContain(" WARN  OntapJobsConfiguration").doesNotContain("PrometheusMeterRegistry");
        } finally {
            serve.destroy();
            serve.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void serviceWithABrokenPolicyFileStopsWithOneLineNamingFileLineAndKey() throws Exception {
        Files.createDirectories(tmp.resolve("config"));
        Files.writeString(tmp.resolve("config/application.properties"), "ontap.policies.file = config/policies.yaml\n");
        Files.writeString(tmp.resolve("config/policies.yaml"), "policies:\n  default:\n    timeout: soon\n");
        Process serve = new ProcessBuilder("java", "-jar", JAR.toString(), "serve").directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile()).start();

        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(serve.exitValue()).as(err).isEqualTo(2);
        assertThat(err).contains("ontap-jobs: cannot start: config/policies.yaml:3: bad duration 'soon' for 'timeout'")
                .doesNotContain("\tat ");
    }

    @Test
    void usageErrorIsOneLine() throws Exception {
        Result r = run("x", "run", "--url", url, "--password-env", "SIM_PASSWORD", "--path", "/api/x", "--timeout", "forever");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stderr().strip().lines()).singleElement().asString().startsWith("ontap-jobs: ").contains("forever");
    }
}

package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.simulator.Fault;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import io.ontapjobs.simulator.junit.OntapSimulatorTest;
import io.ontapjobs.store.PostgresServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-shot command's contract: outcome JSON on stdout, one clear line for mistakes, an exit code per ending. */
// one simulator for the class, scenarios, faults and stats reset before each test; jobs kept 1 s, not ONTAP's 300 s
@OntapSimulatorTest(retention = "1s")
class RunCommandTest {
    static final String PASSWORD = "netapp1!";
    final OntapSimulator sim;
    @TempDir
    Path tmp;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    RunCommandTest(OntapSimulator sim) {
        this.sim = sim;
    }

    private int run(String... extra) throws Exception {
        Path policies = tmp.resolve("policies.yaml");
        Files.writeString(policies, """
                policies:
                  default:
                    poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0.1}
                    timeout: 20s
                """);
        List<String> args = new ArrayList<>(List.of("run", "--url", sim.baseUrl(), "--user", "admin",
                "--password-env", "SIM_PASSWORD", "--policies", policies.toString()));
        args.addAll(List.of(extra));
        Map<String, String> env = Map.of("SIM_PASSWORD", PASSWORD, "WRONG_PASSWORD", "nope");
        return Main.execute(env::get, new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    }

    private JsonNode outcome() throws Exception {
        return new ObjectMapper().readTree(out.toString()).get("data");
    }

    @Test
    void succeededExitsZeroAndPrintsTheOutcome() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).build());

        int code = run("--method", "POST", "--path", "/api/storage/volumes", "--body", "{\"name\":\"vol1\"}");

        assertThat(code).isZero();
        assertThat(outcome().get("status").asText()).isEqualTo("succeeded");
        assertThat(out.toString()).doesNotContain(PASSWORD);
        assertThat(err.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void withItsStateInPostgresqlTheOperationIsRecordedThroughToItsOutcome() throws Exception {
        PostgresServer.Database db = PostgresServer.newDatabase();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).build());
        Map<String, String> state = Map.of("ontap.state.jdbc-url", db.url(), "ontap.state.user", PostgresServer.USER,
                "ontap.state.password", PostgresServer.PASSWORD);
        state.forEach(System::setProperty); // how a user of the one-shot command sets it: -Dontap.state.jdbc-url=...
        int code;
        try {
            code = run("--id", "pg-run-1", "--method", "POST", "--path", "/api/storage/volumes", "--body", "{\"name\":\"vol1\"}");
        } finally {
            state.keySet().forEach(System::clearProperty);
        }

        assertThat(code).as(err.toString()).isZero();
        assertThat(outcome().get("status").asText()).isEqualTo("succeeded");
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT status, jobs, outcome FROM operation WHERE id = 'pg-run-1'")) {
            assertThat(r.next()).as("the operation's row").isTrue();
            assertThat(r.getString("status")).isEqualTo("succeeded");
            assertThat(outcome().at("/job/uuid").asText()).isNotEmpty();
            assertThat(r.getString("jobs")).contains(outcome().at("/job/uuid").asText());
            assertThat(new ObjectMapper().readTree(r.getString("outcome"))).isEqualTo(new ObjectMapper().readTree(out.toString()));
        }
        assertThat(out.toString() + err).doesNotContain(PostgresServer.PASSWORD);
    }

    @Test
    void failedJobExitsOne() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).fails(524486, "Volume busy").build());

        assertThat(run("--path", "/api/storage/volumes", "--body", "{}")).isEqualTo(1);
        assertThat(outcome().at("/job/code").asLong()).isEqualTo(524486);
    }

    @Test
    void timeoutExitsThree() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());

        assertThat(run("--path", "/api/snapmirror/relationships/r1/transfers", "--timeout", "1s")).isEqualTo(3);
        assertThat(outcome().get("status").asText()).isEqualTo("timed_out");
        assertThat(outcome().at("/cancel/accepted").asBoolean()).isTrue();
        // the job as it ended after the cancel, not its last running state
        assertThat(outcome().at("/job/state").asText()).isNotEqualTo("running");
        assertThat(outcome().at("/job/end_time").isNull()).isFalse();
    }

    @Test
    void lostJobExitsFour() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").status(503).retryAfter(Duration.ofSeconds(3)).times(1).build());

        assertThat(run("--path", "/api/storage/volumes", "--body", "{}")).isEqualTo(4);
        assertThat(outcome().get("status").asText()).isEqualTo("lost");
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aClusterThatCannotBeReachedAtAllEndsAfterTheUnreachableWindowNotTheTimeout() throws Exception {
        long start = System.nanoTime();
        int code = Main.execute(Map.of("P", "x")::get, new PrintWriter(out, true), new PrintWriter(err, true),
                "run", "--url", "http://127.0.0.1:1", "--password-env", "P", "--path", "/api/storage/volumes", "--timeout", "1h",
                "--unreachable-after", "1s");

        assertThat(code).isEqualTo(4);
        assertThat(outcome().get("reason").asText()).startsWith("cluster default unreachable for 1s before the trigger was sent (nothing was sent)")
                .contains("cannot connect");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("bounded by the window, not the hour").isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void unreachableClusterUntilTheTimeoutExitsFour() throws Exception {
        int code = Main.execute(Map.of("P", "x")::get, new PrintWriter(out, true), new PrintWriter(err, true),
                "run", "--url", "http://127.0.0.1:1", "--password-env", "P", "--path", "/api/storage/volumes", "--timeout", "2s");

        assertThat(code).isEqualTo(4);
        assertThat(outcome().get("reason").asText()).contains("cannot connect");
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutRepeatingIt() throws Exception {
        for (String url : List.of(sim.baseUrl().replace("http://", "http://admin:Url-Secret-1@"), "http://admin:Url-Secret-1@",
                "http://admin:Url Secret-1@host")) {
            StringWriter e = new StringWriter();
            StringWriter o = new StringWriter();
            int code = Main.execute(Map.of("SIM_PASSWORD", PASSWORD)::get, new PrintWriter(o, true), new PrintWriter(e, true),
                    "run", "--url", url, "--password-env", "SIM_PASSWORD", "--path", "/api/storage/volumes");

            assertThat(code).as(url).isEqualTo(2);
            assertThat(e.toString().lines()).as(url).singleElement().asString().startsWith("ontap-jobs: --url: ");
            assertThat(e + o.toString()).as(url).doesNotContain("Url-Secret-1").doesNotContain("Url Secret-1");
        }
        assertThat(sim.stats().triggers()).isZero();
    }

    @Test
    void aJobMessageWithTerminalEscapesIsPrintedAsText() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100))
                .fails(917927, "\u001b]0;owned\u0007\u001b[2Jdisk\u009b1mfull").build());

        int code = run("--method", "POST", "--path", "/api/storage/volumes");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString() + out).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\u009b");
        assertThat(outcome().at("/job/message").asText()).isEqualTo("\\u001B]0;owned\\u0007\\u001B[2Jdisk\\u009B1mfull");
        assertThat(outcome().at("/job/error/message").asText()).isEqualTo(outcome().at("/job/message").asText());
    }

    @Test
    void wrongPasswordExitsTwo() throws Exception {
        List<String> args = List.of("run", "--url", sim.baseUrl(), "--password-env", "WRONG_PASSWORD", "--path", "/api/storage/volumes");
        int code = Main.execute(Map.of("WRONG_PASSWORD", "nope")::get, new PrintWriter(out, true), new PrintWriter(err, true),
                args.toArray(String[]::new));

        assertThat(code).isEqualTo(2);
        assertThat(outcome().get("http_status").asInt()).isEqualTo(401);
    }

    @Test
    void mistakesExitTwoWithOneLineAndNoStackTrace() throws Exception {
        assertThat(run("--path", "/api/storage/volumes", "--body", "{name:")).isEqualTo(2);
        assertThat(run("--path", "/api/storage/volumes", "--timeout", "soon")).isEqualTo(2);
        assertThat(run("--path", "/api/storage/volumes", "--bogus")).isEqualTo(2);
        assertThat(run("--path", "storage/volumes")).isEqualTo(2);
        assertThat(Main.execute(Map.<String, String>of()::get, new PrintWriter(out, true), new PrintWriter(err, true),
                "run", "--url", sim.baseUrl(), "--password-env", "UNSET", "--path", "/api/x")).isEqualTo(2);

        List<String> lines = err.toString().lines().toList();
        assertThat(lines).hasSize(5).allMatch(l -> l.startsWith("ontap-jobs: "));
        assertThat(lines.get(0)).contains("--body").contains("not valid JSON");
        assertThat(lines.get(1)).contains("soon");
        assertThat(lines.get(2)).contains("--bogus");
        assertThat(lines.get(3)).contains("path");
        assertThat(lines.get(4)).contains("UNSET");
        assertThat(err.toString()).doesNotContain("\tat ");
        assertThat(sim.stats().triggers()).isZero();
    }

    @Test
    void terminalProgressLineShowsStateElapsedTimeAndTheJobsMessage() throws Exception {
        var view = new ObjectMapper().readTree("{\"status\":\"running\",\"jobs\":[{\"uuid\":\"1cd8a442-86d1-11e0-ae1c-123478563412\","
                + "\"state\":\"running\",\"message\":\"Creating volume\"}]}");

        String line = RunCommand.progressLine(view, Duration.ofSeconds(75), 60);

        assertThat(line).hasSize(60).startsWith("running    1:15  job 1cd8a442…  running: Creating volume");
        assertThat(RunCommand.progressLine(view, Duration.ofSeconds(5), 20)).hasSize(20).endsWith("…");
    }
}

package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code status} against the service started in-process, over real HTTP. */
class StatusCommandTest {
    @TempDir
    static Path tmp;
    static RunningService service;
    static String runningJob;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.start(tmp, """
                scenarios:
                  - {method: POST, path: /api/storage/volumes, duration: 300ms}
                  - {method: POST, path: /api/storage/luns, duration: 200ms, fails: {code: 5376348, message: "LUN name already exists"}}
                  - {method: POST, path: /api/snapmirror/*, runs-until-cancelled: true, progress: ["Transferring 12 GB"]}
                """);
        service.submit("{\"id\":\"st-sm1\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r1/transfers\"}");
        service.submit("{\"id\":\"st-vol1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol1\"}}");
        service.submit("{\"id\":\"st-lun1\",\"method\":\"POST\",\"path\":\"/api/storage/luns\"}");
        await().atMost(Duration.ofSeconds(15)).until(() -> service.operation("st-sm1").at("/jobs/0/state").asText().equals("running")
                && service.operation("st-vol1").path("status").asText().equals("succeeded")
                && service.operation("st-lun1").path("status").asText().equals("failed"));
        runningJob = service.operation("st-sm1").at("/jobs/0/uuid").asText();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    record Run(int code, String out, String err) {
    }

    static Run status(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "status";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.execute(Map.<String, String>of()::get, new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(code, out.toString(), err.toString());
    }

    static String lineWith(String text, String out) {
        return out.lines().filter(l -> l.contains(text)).findFirst().orElseThrow(() -> new AssertionError("no line with " + text + " in\n" + out));
    }

    @Test
    void showsTheRunningJobAndTheEndedOnes() {
        Run r = status("--url", service.base);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        String out = r.out();
        assertThat(out.indexOf("IN FLIGHT")).isLessThan(out.indexOf("st-sm1"));
        assertThat(out.indexOf("st-sm1")).isLessThan(out.indexOf("LAST OUTCOMES"));
        String running = lineWith("st-sm1", out);
        assertThat(running).contains("default", "/api/snapmir", "r1/transfers", runningJob, "running", "Transferring 12 GB");
        assertThat(running).containsPattern("  \\d+s  +1  ");
        assertThat(lineWith("st-vol1", out)).contains("/api/sto", "/volumes", "succeeded", "Complete: Successful");
        assertThat(lineWith("st-lun1", out)).contains("failed", "[5376348] LUN name");
        assertThat(out.indexOf("LAST OUTCOMES")).isLessThan(out.indexOf("st-vol1"));
        assertThat(out).containsPattern("[12] in flight, 2 ended"); // the watch test may have added one
        assertThat(out.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(120));
    }

    @Test
    void aClustersTextReachesTheTerminalAsText() throws Exception {
        // an outcome stored before job messages were made printable, or a reason quoting one: status escapes it itself
        var record = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"status": "failed", "reason": "x", "operation": {"id": "op\\u001b[2J", "cluster": "default", "path": "/api/x"},
                 "job": {"uuid": "u", "state": "failure", "code": 917927, "message": "\\u001b]0;owned\\u0007disk\\u009b1m full\\nnow",
                         "error": {"code": "917927\\u001b[31m"}}}
                """);

        String line = String.join(" ", StatusCommand.row(record, false, Instant.now()));

        assertThat(line).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\u009b").doesNotContain("\n")
                .contains("\\u001B]0;owned\\u0007disk\\u009B1m full now", "op\\u001B[2J", "[917927\\u001B[31m]");
    }

    @Test
    void limitCutsTheOutcomesNewestFirst() {
        Run r = status("--url", service.base + "/", "--limit", "1");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("LAST OUTCOMES (1 of 2)", "st-lun1", "st-sm1").doesNotContain("st-vol1");
    }

    @Test
    void anUnreachableServiceIsOneLineAndExit2() throws Exception {
        Run r = status("--url", "http://127.0.0.1:" + RunningService.freePort());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("ontap-jobs: cannot reach the service at http://127.0.0.1:").doesNotContain("Exception", "\tat ");
    }

    @Test
    void somethingElseThanTheServiceIsOneLineAndExit2() throws Exception {
        Run r = status("--url", service.base + "/nowhere");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("HTTP 404").doesNotContain("Exception");
    }

    @Test
    void badFlagsAreUsageErrors() {
        assertThat(status("--url", "ftp://x").err()).contains("--url");
        assertThat(status("--url", "ftp://x").code()).isEqualTo(2);
        assertThat(status("--url", service.base, "--watch", "--interval", "soon").err()).contains("--interval", "not a duration");
        assertThat(status("--url", service.base, "--limit", "-1").code()).isEqualTo(2);
    }

    @Test
    void watchRedrawsWithFreshDataUntilStopped() throws Exception {
        StatusCommand command = new StatusCommand();
        command.terminal = () -> false;
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        CompletableFuture<Integer> watching = CompletableFuture.supplyAsync(
                () -> cli.execute("--url", service.base, "--watch", "--interval", "200ms"));

        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("st-sm1"));
        service.submit("{\"id\":\"st-late\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r2/transfers\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("st-late"));
        command.stop.countDown();

        assertThat(watching.get()).isZero();
        String separator = "-".repeat(120) + "\n";
        assertThat(out.toString()).startsWith(separator).doesNotContain("\033[");
        assertThat(out.toString().split(separator, -1).length).isGreaterThan(2);
    }

    @Test
    void longValuesAreCutToFit120Columns() {
        var records = new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode();
        var r = records.addObject().put("status", "running").put("attempts", 3).put("accepted_at", "2026-01-01T00:00:00Z");
        r.putObject("operation").put("id", "x".repeat(128)).put("cluster", "cluster-with-a-long-name").put("path", "/api/" + "p".repeat(200));
        r.putArray("jobs").addObject().put("uuid", "0b2d8f4e-1111-2222-3333-444455556666").put("state", "running")
                .put("message", "line one\nline two " + "m".repeat(300));
        StatusCommand command = new StatusCommand();
        command.limit = 20;

        String screen = command.render(URI.create("http://h:8080"), records, Instant.parse("2026-01-01T01:02:03Z"));

        assertThat(screen.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(120));
        assertThat(lineWith("xxxx", screen)).contains("~", "1h02m", "running", "line one line two").doesNotContain("\n");
        assertThat(List.of(StatusCommand.duration(Duration.ofSeconds(42)), StatusCommand.duration(Duration.ofSeconds(185)),
                StatusCommand.duration(Duration.ofDays(3).plusHours(4)))).containsExactly("42s", "3m05s", "3d04h");
    }
}

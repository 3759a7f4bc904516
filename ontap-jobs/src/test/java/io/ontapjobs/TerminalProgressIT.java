package io.ontapjobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `run` on a real terminal: util-linux's `script` gives the packaged jar a pseudo-terminal, as an operator's shell
 * does. Progress is one line redrawn with carriage returns on stderr; without a terminal, plain log lines.
 */
class TerminalProgressIT {
    static final Path JAR = Path.of("target/ontap-jobs.jar").toAbsolutePath();
    static OntapSimulator sim;
    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(2500))
                .progress("Creating volume").build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private String runCommand() {
        return "java -jar " + JAR + " run --url " + sim.baseUrl() + " --password-env SIM_PASSWORD"
                + " --method POST --path /api/storage/volumes --body '{\"name\":\"vol1\"}'";
    }

    /** Runs a shell command under `script`: stdin, stdout and stderr are a pseudo-terminal; returns what it showed. */
    private String onTerminal(String command) throws Exception {
        Path typescript = tmp.resolve("typescript");
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-c", command, typescript.toString())
                .redirectInput(ProcessBuilder.Redirect.PIPE).redirectErrorStream(true).redirectOutput(tmp.resolve("script.out").toFile());
        pb.environment().put("SIM_PASSWORD", "netapp1!");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("script.out"))).isZero();
        return Files.readString(typescript);
    }

    @Test
    void onATerminalProgressIsOneLineRedrawnWithTheJobsMessage() throws Exception {
        // stdout to a file, as in `run … > outcome.json`: stderr alone is the terminal
        Path outcome = tmp.resolve("outcome.json");
        String screen = onTerminal(runCommand() + " > " + outcome);

        List<String> redraws = List.of(screen.split("\r"));
        assertThat(redraws.stream().filter(l -> l.matches("running\\s+0:0\\d\\s+job [0-9a-f]{8}….*")).count())
                .as("redrawn progress lines in:%n%s", screen).isGreaterThanOrEqualTo(2);
        assertThat(screen).contains("running: Creating volume");
        assertThat(screen).as("log lines are replaced by the progress line").doesNotContain("Triggered POST");
        assertThat(screen).doesNotContain("netapp1!");
        assertThat(Files.readString(outcome)).contains("\"ontap.operation.succeeded\"");
    }

    @Test
    void withoutATerminalStderrHasPlainLogLines() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", runCommand())
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().put("SIM_PASSWORD", "netapp1!");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isZero();
        assertThat(err).contains("Triggered POST /api/storage/volumes").doesNotContain("\r");
    }
}

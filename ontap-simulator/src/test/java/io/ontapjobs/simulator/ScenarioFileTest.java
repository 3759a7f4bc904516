package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioFileTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path p = dir.resolve("scenarios.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void loadsTheShippedExample() throws Exception {
        ScenarioFile f = ScenarioFile.load(Paths.get("../config/simulator-scenarios.yaml")); // the file the service ships, at the top
        assertThat(f.scenarios()).hasSize(6);
        assertThat(f.scenarios().get(1).failCode()).isEqualTo(524486);
        assertThat(f.scenarios().get(1).duration()).isEqualTo(Duration.ofMillis(1500));
        assertThat(f.scenarios().get(2).cancelUnsupported()).isTrue();
        assertThat(f.scenarios().get(2).runsUntilCancelled()).isTrue();
        assertThat(f.faults()).hasSize(1);
        assertThat(f.faults().get(0).status()).isEqualTo(503);
        assertThat(f.faults().get(0).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(f.collections().get("/api/svm/svms")).hasSize(2);

        try (OntapSimulator sim = OntapSimulator.builder().scenarioFile(f).build().start()) {
            SimClient c = new SimClient(sim);
            assertThat(c.get("/api/svm/svms").json().path("num_records").asInt()).isEqualTo(2);
            assertThat(c.post("/api/protocols/nfs/export-policies", "{\"name\":\"p\"}").status()).isEqualTo(201);
            assertThat(c.post("/api/storage/luns", "{\"name\": \"lun_dup\"}").status()).isEqualTo(409);
            assertThat(c.get("/api/cluster/jobs").status()).isEqualTo(503);
        }
    }

    @Test
    void unknownKeyIsNamedWithFileAndLine() throws Exception {
        Path p = write("scenarios:\n  - method: POST\n    path: /api/x\n    durration: 2s\n");
        assertThatThrownBy(() -> ScenarioFile.load(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("'durration'")
                .hasMessageContaining("scenarios[0]")
                .hasMessageContaining("line 4")
                .hasMessageContaining("duration");
    }

    @Test
    void unknownTopLevelAndFaultKeys() throws Exception {
        Path top = write("scenario:\n  - path: /api/x\n");
        assertThatThrownBy(() -> ScenarioFile.load(top)).hasMessageContaining("'scenario'").hasMessageContaining("scenarios");
        Path fault = write("faults:\n  - path: /api/x\n    status: 503\n    retry_after: 1s\n");
        assertThatThrownBy(() -> ScenarioFile.load(fault)).hasMessageContaining("'retry_after'").hasMessageContaining("faults[0]");
    }

    @Test
    void badValuesAreNamed() throws Exception {
        Path dur = write("scenarios:\n  - path: /api/x\n  - path: /api/y\n    queued: 5 minutes\n");
        assertThatThrownBy(() -> ScenarioFile.load(dur)).hasMessageContaining(dur.toString()).hasMessageContaining("scenarios[1].queued");
        Path type = write("scenarios:\n  - path: /api/x\n    jobs: many\n");
        assertThatThrownBy(() -> ScenarioFile.load(type)).hasMessageContaining("scenarios[0].jobs");
        Path code = write("scenarios:\n  - path: /api/x\n    fails: {message: oops}\n");
        assertThatThrownBy(() -> ScenarioFile.load(code)).hasMessageContaining("scenarios[0].fails.code");
        Path kinds = write("faults:\n  - path: /api/x\n");
        assertThatThrownBy(() -> ScenarioFile.load(kinds)).hasMessageContaining("faults[0]").hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ScenarioFile.load(dir.resolve("missing.yaml"))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("missing.yaml");
    }

    @Test
    void durationsParse() {
        assertThat(SimDurations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(SimDurations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(SimDurations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(SimDurations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(SimDurations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> SimDurations.parse("2x")).hasMessageContaining("2x");
        assertThatThrownBy(() -> SimDurations.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SimDurations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }
}

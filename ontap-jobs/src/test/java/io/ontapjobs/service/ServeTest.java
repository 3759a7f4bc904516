package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --demo} exactly as wired for users (config/application.properties, routes/service.yaml), with no
 * cluster configured: the in-process simulator takes the bundled example requests to outcome files.
 */
class ServeTest {
    @TempDir
    Path tmp;

    @Test
    void demoRequestsBecomeOutcomesAndAMalformedOneIsMovedAside() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path outcomes = tmp.resolve("outcomes");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("broken.json"), "{\"method\": \"POST\", \"path\": ");
        // plain jobs: each succeeds after 1 s
        try (RunningService service = RunningService.in(tmp).demo().property("ontap.simulator.scenarios", "").start()) {
            NotifyBuilder done = new NotifyBuilder(service.context()).fromRoute("inbox-to-outcome").whenDone(4).create();

            assertThat(done.matches(30, TimeUnit.SECONDS)).as("4 request files processed").isTrue();
            org.awaitility.Awaitility.await().until(() -> Files.exists(outcomes) && Files.list(outcomes).count() == 3);

            // each run gives the examples' ids a fresh suffix: -<date>-<time>; the inbox's ids start with "inbox."
            try (Stream<Path> files = Files.list(outcomes)) {
                assertThat(files.map(p -> p.getFileName().toString().replaceAll("-\\d{8}-\\d{6}\\.json$", ".json")).sorted())
                        .containsExactly("inbox.create-vol1.json", "inbox.snapmirror-update-dr.json", "inbox.snapshot-vol1-nightly.json");
            }
            Path created;
            try (Stream<Path> files = Files.list(outcomes)) {
                created = files.filter(p -> p.getFileName().toString().startsWith("inbox.create-vol1-")).findFirst().orElseThrow();
            }
            var outcome = new ObjectMapper().readTree(created.toFile());
            assertThat(outcome.at("/data/status").asText()).isEqualTo("succeeded");
            assertThat(outcome.at("/data/job/state").asText()).isEqualTo("success");
            assertThat(inbox.resolve(".done/create-vol1.json")).doesNotExist(); // moved under its file name
            assertThat(inbox.resolve(".done/create-volume.json")).exists();
            assertThat(inbox.resolve(".rejected/broken.json")).exists();
            assertThat(Files.readString(inbox.resolve(".rejected/broken.json.reason.txt"))).contains("not valid JSON");
            try (Stream<Path> left = Files.list(inbox)) {
                assertThat(left.filter(Files::isRegularFile)).isEmpty();
            }
        }
        // a second --demo in the same folders replays the examples (new ids), not nothing
        try (RunningService again = RunningService.in(tmp).demo().property("ontap.simulator.scenarios", "").start()) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> Files.list(outcomes).count() == 6);
        }
    }
}

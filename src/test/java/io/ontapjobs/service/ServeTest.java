package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.main.Main;
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
        Main main = new Main();
        EmbeddedDefaults.configure(main, true);
        main.addOverrideProperty("ontap.inbox.dir", inbox.toString());
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            main.addOverrideProperty("ontap.broker.port", String.valueOf(s.getLocalPort())); // not 61616: another service may run
        }
        main.addOverrideProperty("ontap.outcomes.dir", outcomes.toString());
        main.addOverrideProperty("ontap.state.dir", tmp.resolve("data").toString());
        main.addOverrideProperty("ontap.simulator.scenarios", ""); // plain jobs: each succeeds after 1 s
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            main.addOverrideProperty("ontap.api.port", String.valueOf(free.getLocalPort()));
        }
        main.start();
        try {
            NotifyBuilder done = new NotifyBuilder(main.getCamelContext()).fromRoute("inbox-to-outcome").whenDone(4).create();

            assertThat(done.matches(30, TimeUnit.SECONDS)).as("4 request files processed").isTrue();
            org.awaitility.Awaitility.await().until(() -> Files.exists(outcomes) && Files.list(outcomes).count() == 3);

            try (Stream<Path> files = Files.list(outcomes)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted())
                        .containsExactly("create-vol1.json", "snapmirror-update-dr.json", "snapshot-vol1-nightly.json");
            }
            var outcome = new ObjectMapper().readTree(outcomes.resolve("create-vol1.json").toFile());
            assertThat(outcome.at("/data/status").asText()).isEqualTo("succeeded");
            assertThat(outcome.at("/data/job/state").asText()).isEqualTo("success");
            assertThat(inbox.resolve(".done/create-vol1.json")).doesNotExist(); // moved under its file name
            assertThat(inbox.resolve(".done/create-volume.json")).exists();
            assertThat(inbox.resolve(".rejected/broken.json")).exists();
            assertThat(Files.readString(inbox.resolve(".rejected/broken.json.reason.txt"))).contains("not valid JSON");
            try (Stream<Path> left = Files.list(inbox)) {
                assertThat(left.filter(Files::isRegularFile)).isEmpty();
            }
        } finally {
            main.stop();
        }
    }
}

package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.simulator.EmsRequest;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.store.OperationStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** events register against the simulator (idempotent: a second run writes nothing; a new URL is PATCHed), events status on a store. */
class EventsCommandTest {
    OntapSimulator sim = OntapSimulator.builder().port(0).build().start();

    record Run(int code, String out, String err) {
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    static Run events(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "events";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.execute(Map.of("SIM_PW", "netapp1!")::get, new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(code, out.toString(), err.toString());
    }

    Run register(String url, String events) {
        return events("register", "--cluster", "c1", "--url", url, "--cluster-url", sim.baseUrl(), "--password-env", "SIM_PW",
                "--events", events);
    }

    List<String> writes() {
        return sim.emsRequests().stream().filter(r -> !r.method().equals("GET")).map(r -> r.method() + " " + r.uri()).toList();
    }

    @Test
    void aSecondRunChangesNothingAndAChangedUrlOrPatternIsPatched() {
        Run first = register("https://jobs.example/api/v1/ems/push/c1", "monitor.volume.*,wafl.vol.full");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("filter ontap-jobs-c1: created").contains("destination ontap-jobs-c1: created");
        assertThat(writes()).containsExactly("POST /api/support/ems/filters", "POST /api/support/ems/destinations");

        Run second = register("https://jobs.example/api/v1/ems/push/c1", "monitor.volume.*,wafl.vol.full");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("filter ontap-jobs-c1: unchanged").contains("destination ontap-jobs-c1: unchanged");
        assertThat(writes()).as("the second run writes nothing").hasSize(2);

        Run moved = register("https://jobs2.example/api/v1/ems/push/c1", "monitor.volume.*");
        assertThat(moved.code()).as(moved.err()).isZero();
        assertThat(moved.out()).contains("filter ontap-jobs-c1: updated").contains("destination ontap-jobs-c1: updated");
        assertThat(writes()).endsWith("PATCH /api/support/ems/filters/ontap-jobs-c1", "PATCH /api/support/ems/destinations/ontap-jobs-c1");
        assertThat(register("https://jobs2.example/api/v1/ems/push/c1", "monitor.volume.*").out()).contains("unchanged");
        assertThat(writes()).hasSize(4);
    }

    @Test
    void aMissingPasswordOrABadUrlIsOneLineExit2() {
        Run r = events("register", "--cluster", "c1", "--url", "ftp://x", "--cluster-url", sim.baseUrl(), "--password-env", "SIM_PW");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("ontap-jobs: --url: an http:// or https:// URL");
        assertThat(events("register", "--cluster", "c1", "--url", "https://x", "--cluster-url", sim.baseUrl(), "--password-env", "NOPE").code())
                .isEqualTo(2);
        assertThat(sim.emsRequests()).isEmpty();
    }

    @Test
    void statusShowsEachConsumersBookmarksFromTheStore(@TempDir Path dir) {
        try (OperationStore store = OperationStore.embedded(dir)) {
            var marks = store.eventBookmarks(null);
            marks.save("c1/ems", EventBookmarks.START, 0, Instant.parse("2026-12-07T23:00:00Z"));
            marks.save("c1/ems", "node-uuid-a", 42, Instant.parse("2026-12-07T23:02:03Z"));
        }
        Run r = events("status", "--state-dir", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("CONSUMER").contains("c1/ems").contains("node-uuid-a").contains("42")
                .contains("2026-12-07T23:02:03Z").contains("(first start: floor)");
        assertThat(events("status", "--state-dir", dir.resolve("none").toString()).code()).isEqualTo(2);
    }
}

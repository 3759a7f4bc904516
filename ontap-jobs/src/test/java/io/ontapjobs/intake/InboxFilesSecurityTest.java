package io.ontapjobs.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.ontapjobs.RunningService;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The hostile tester's findings, on the service as {@code serve} runs it: a link to a private key, a FIFO and a
 * 2 MiB file dropped into the inbox are moved to .rejected unread, with a reason and one WARN line each, and their
 * content shows up nowhere; a normal request still runs; and every file the service makes has the mode it sets.
 */
@EnabledOnOs({OS.LINUX, OS.MAC}) // symbolic links, FIFOs and POSIX modes
class InboxFilesSecurityTest {
    static final String SECRET = "FAKE-PRIVATE-KEY-7Qz93kWv";
    static final String BIG_SECRET = "BIG-FILE-CONTENT-5rT8pL";
    static final String REQUEST = "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol1\"}}";
    @TempDir
    Path tmp;
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void release() {
        root().detachAppender(logs);
    }

    private static Logger root() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void onlyRegularFilesUpTo1MiBAreReadTheRestIsMovedAsideUnread() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path key = Files.createDirectories(tmp.resolve("elsewhere")).resolve("id_rsa");
        Files.writeString(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n" + SECRET + "\n-----END OPENSSH PRIVATE KEY-----\n");
        Files.createSymbolicLink(inbox.resolve("x.json"), key);
        mkfifo(inbox.resolve("pipe.json"));
        byte[] big = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        System.arraycopy(BIG_SECRET.getBytes(StandardCharsets.US_ASCII), 0, big, 0, BIG_SECRET.length());
        Files.write(inbox.resolve("big.json"), big);
        Files.writeString(inbox.resolve("ok.json"), REQUEST);

        try (RunningService service = RunningService.in(tmp).property("ontap.simulator.scenarios", "").start()) {
            NotifyBuilder done = new NotifyBuilder(service.context()).fromRoute("inbox-to-outcome").whenDone(4).create();
            assertThat(done.matches(30, TimeUnit.SECONDS)).as("4 inbox files taken, none hanging").isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(tmp.resolve("outcomes/inbox.ok.json")));

            Path rejected = inbox.resolve(".rejected");
            assertThat(Files.isSymbolicLink(rejected.resolve("x.json"))).as("the link itself moved").isTrue();
            assertThat(Files.readSymbolicLink(rejected.resolve("x.json"))).isEqualTo(key);
            assertThat(key).exists();
            assertThat(Files.readString(rejected.resolve("x.json.reason.txt")).strip())
                    .isEqualTo("not a regular file (a symbolic link): refused unread");
            assertThat(Files.isRegularFile(rejected.resolve("pipe.json"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(Files.exists(rejected.resolve("pipe.json"), LinkOption.NOFOLLOW_LINKS)).isTrue();
            assertThat(Files.readString(rejected.resolve("pipe.json.reason.txt")).strip())
                    .isEqualTo("not a regular file (a device, FIFO or socket): refused unread");
            assertThat(Files.readString(rejected.resolve("big.json.reason.txt")).strip())
                    .isEqualTo("larger than 1 MiB (2097152 bytes): refused unread");
            assertThat(rejected.resolve("big.json")).hasSize(big.length);
            assertThat(inbox.resolve(".done/ok.json")).exists();
            assertThat(service.operation("inbox.ok").get("status").asText()).isEqualTo("succeeded");

            // the contents show up nowhere: no file the service wrote (its database included), no log line
            for (Path f : regularFiles(tmp)) {
                if (f.equals(key) || f.equals(rejected.resolve("big.json"))) {
                    continue;
                }
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(text).as(f.toString()).doesNotContain(SECRET).doesNotContain(BIG_SECRET);
            }
            List<String> warnings = new ArrayList<>();
            for (ILoggingEvent e : List.copyOf(logs.list)) {
                String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
                assertThat(text).doesNotContain(SECRET).doesNotContain(BIG_SECRET).doesNotContain("OPENSSH");
                if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
                    warnings.add(text);
                }
            }
            assertThat(warnings).as("one WARN line per refused file, nothing else").hasSize(3)
                    .anySatisfy(w -> assertThat(w).contains("x.json").contains("symbolic link"))
                    .anySatisfy(w -> assertThat(w).contains("pipe.json").contains("FIFO"))
                    .anySatisfy(w -> assertThat(w).contains("big.json").contains("2097152 bytes"));
        }
    }

    @Test
    void theServicesOwnFilesHaveTheModesItSets() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path outcomes = tmp.resolve("outcomes");
        Path state = Files.createDirectories(tmp.resolve("data"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x")); // as an older version left it
        Files.writeString(inbox.resolve("ok.json"), REQUEST);
        Files.writeString(inbox.resolve("broken.json"), "{");

        try (RunningService service = RunningService.in(tmp).property("ontap.simulator.scenarios", "")
                .property("ontap.outcomes.jsonl", tmp.resolve("feed/outcomes.jsonl").toString())
                // a webhook nobody listens on, given no time: its outcome goes straight to the dead-letter folder
                .property("ontap.outcomes.webhook.url", "http://127.0.0.1:" + closedPort() + "/hook")
                .property("ontap.outcomes.webhook.max-age", "1ms")
                .start()) {
            NotifyBuilder done = new NotifyBuilder(service.context()).fromRoute("inbox-to-outcome").whenDone(2).create();
            assertThat(done.matches(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(outcomes.resolve("inbox.ok.json"))
                    && Files.exists(tmp.resolve("feed/outcomes.jsonl")) && Files.exists(state.resolve("dead-letter/webhook-1/inbox.ok.json")));

            assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains("tightened to 0700"))
                    .as("one line for the state directory found open").hasSize(1);
            // its own state: private to its user
            assertThat(mode(state)).isEqualTo("rwx------");
            assertThat(mode(state.resolve("ontap-jobs.mv.db"))).isEqualTo("rw-------");
            assertThat(mode(state.resolve("broker"))).isEqualTo("rwx------");
            List<Path> journal = regularFiles(state.resolve("broker"));
            assertThat(journal).isNotEmpty().allSatisfy(f -> assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------"));
            // what it hands out: ontap.files.mode (0640), in folders it made 0750
            Path rejected = inbox.resolve(".rejected");
            for (Path f : List.of(outcomes.resolve("inbox.ok.json"), tmp.resolve("feed/outcomes.jsonl"), rejected.resolve("broken.json"),
                    rejected.resolve("broken.json.reason.txt"), inbox.resolve(".done/ok.json"), state.resolve("dead-letter/webhook-1/inbox.ok.json"))) {
                assertThat(mode(f)).as(f.toString()).isEqualTo("rw-r-----");
            }
            for (Path d : List.of(outcomes, tmp.resolve("feed"), rejected, inbox.resolve(".done"), inbox.resolve(".failed"),
                    state.resolve("dead-letter"), state.resolve("dead-letter/webhook-1"))) {
                assertThat(mode(d)).as(d.toString()).isEqualTo("rwxr-x---");
            }
        }
    }

    private static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Regular files only, links not followed: reading a FIFO would block. */
    private static List<Path> regularFiles(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

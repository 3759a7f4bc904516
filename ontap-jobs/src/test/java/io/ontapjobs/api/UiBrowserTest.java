package io.ontapjobs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's page in a real headless browser (Debian's chromium, driven over the DevTools protocol) against the
 * service started in-process with simulator jobs: the page, loaded once, shows a job in flight and then, by its own
 * polling, among the outcomes once it has ended.
 *
 * <p>Without chromium this test fails, except outside CI ({@code CI} unset) with {@code ONTAP_SKIP_BROWSER=1}.
 */
class UiBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The outcomes table's "took" column. */
    static final int TOOK = 6;
    static final String MARKUP = "<img src=x id=xss onerror=\\\"document.title='pwned'\\\">";
    @TempDir
    static Path tmp;
    static RunningService service;
    Process browser;
    WebSocket devtools;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.start(tmp, """
                scenarios:
                  - {method: POST, path: /api/storage/volumes, duration: 6s, progress: ["Creating the volume"]}
                  - {method: POST, path: /api/storage/luns, duration: 200ms, fails: {code: 5376348, message: "%s"}}
                  - {method: POST, path: /api/snapmirror/*, runs-until-cancelled: true}
                """.formatted(MARKUP));
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @AfterEach
    void closeBrowser() throws Exception {
        if (devtools != null) {
            try {
                send("Browser.close", JSON.createObjectNode()); // lets chromium clean up its profile and sockets
            } catch (Exception e) {
                // it is going anyway
            }
            devtools.abort();
        }
        if (browser != null && !browser.waitFor(10, TimeUnit.SECONDS)) {
            browser.descendants().forEach(ProcessHandle::destroy);
            browser.destroy();
            if (!browser.waitFor(10, TimeUnit.SECONDS)) {
                browser.destroyForcibly();
            }
        }
    }

    @Test
    void pageServedAtRootAndUiWithAStrictContentSecurityPolicy() throws Exception {
        for (String path : List.of("/", "/ui")) {
            HttpResponse<String> r = service.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
            assertThat(r.headers().firstValue("Content-Security-Policy")).get().asString().contains("default-src 'none'", "connect-src 'self'");
            assertThat(r.body()).contains("<title>ontap-jobs</title>", "api/v1/operations").doesNotContain("innerHTML");
        }
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(service.base + "/ui"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create(service.base + "/"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
    }

    @Test
    void aJobThatEndsWhileThePageIsOpenMovesFromInFlightToTheOutcomes() throws Exception {
        Path chromium = chromium();
        service.submit("{\"id\":\"ui-sm1\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r1/transfers\"}");
        // a transfer past its timeout: cancelled, its job without end_time
        service.submit("{\"id\":\"ui-sm-late-0123456789-with-a-long-id\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r2/transfers\",\"timeout\":\"2s\"}");
        openPage(chromium, service.base + "/ui");
        await().atMost(Duration.ofSeconds(20)).until(() -> page().path("inFlight").toString().contains("ui-sm1"));

        service.submit("{\"id\":\"ui-vol1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol1\"}}");
        service.submit("{\"id\":\"ui-lun1\",\"method\":\"POST\",\"path\":\"/api/storage/luns\"}");

        // the page, never reloaded, sees the volume job running, then ended
        await().atMost(Duration.ofSeconds(20)).until(() -> row(page(), "inFlight", "ui-vol1").isPresent());
        JsonNode running = row(page(), "inFlight", "ui-vol1").orElseThrow();
        assertThat(running.toString()).contains("POST /api/storage/volumes", "default");
        await().atMost(Duration.ofSeconds(20)).until(() -> service.operation("ui-vol1").path("status").asText().equals("succeeded"));
        String jobUuid = service.operation("ui-vol1").at("/job/uuid").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> row(page(), "outcomes", "ui-vol1").isPresent());

        JsonNode state = page();
        JsonNode outcome = row(state, "outcomes", "ui-vol1").orElseThrow();
        assertThat(outcome.path("status").asText()).isEqualTo("succeeded");
        assertThat(outcome.path("cells").toString()).contains("succeeded", "Complete: Successful", jobUuid.substring(0, 8));
        assertThat(outcome.path("titles").toString()).as("the whole UUID on hover").contains(jobUuid);
        assertThat(row(state, "inFlight", "ui-vol1")).isEmpty();
        assertThat(row(state, "inFlight", "ui-sm1")).isPresent();
        assertThat(state.path("connection").asText()).startsWith("updated");

        // a failure shows its error code, and the job's message, markup included, only as text
        JsonNode failed = row(state, "outcomes", "ui-lun1").orElseThrow();
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("cells").toString()).contains("5376348", "<img src=x id=xss");
        assertThat(state.path("xss").asBoolean()).isFalse();
        assertThat(state.path("images").asInt()).isZero();
        assertThat(state.path("title").asText()).isEqualTo("ontap-jobs");

        // at 1,400 px the page does not scroll sideways; a timed-out row says how long it took
        await().atMost(Duration.ofSeconds(20)).until(() -> row(page(), "outcomes", "ui-sm-late-0123456789-with-a-long-id").isPresent());
        state = page();
        JsonNode late = row(state, "outcomes", "ui-sm-late-0123456789-with-a-long-id").orElseThrow();
        assertThat(late.path("status").asText()).isEqualTo("timed_out");
        assertThat(late.path("cells").get(TOOK).asText()).as(late.toString()).matches(".*\\d.*");
        assertThat(state.path("scrollWidth").asInt()).as("no horizontal scroll at 1,400 px: " + state.path("clientWidth"))
                .isPositive().isLessThanOrEqualTo(state.path("clientWidth").asInt());

        // per-cluster counts
        assertThat(state.path("clusters").toString()).contains("default");
        JsonNode cluster = state.path("clusters").get(0).path("cells");
        assertThat(cluster.get(0).asText()).isEqualTo("default");
        assertThat(cluster.get(1).asInt()).as("in flight").isEqualTo(1);
        assertThat(cluster.get(2).asInt()).as("succeeded").isEqualTo(1);
        assertThat(cluster.get(3).asInt()).as("not succeeded").isEqualTo(2);
        // the load on the cluster, from the service's own Prometheus counter: the running transfer is being polled
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            String polls = page().path("clusters").get(0).path("cells").get(6).asText();
            return polls.matches("\\d+") && Integer.parseInt(polls) > 0;
        });
        // counted by the service over the last 60 s, not by the page since it was opened
        assertThat(service.get("/observe/metrics").body()).contains("ontap_jobs_requests_last_minute{cluster=\"default\"");
    }

    // --- the browser -----------------------------------------------------------------------------------------

    /** chromium on the PATH; its absence fails the test unless skipping was asked for outside CI. */
    static Path chromium() {
        Optional<Path> found = Optional.empty();
        for (String dir : Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (found.isEmpty() && Files.isExecutable(p)) {
                    found = Optional.of(p);
                }
            }
        }
        if (found.isPresent()) {
            return found.get();
        }
        boolean mayskip = System.getenv("CI") == null && "1".equals(System.getenv("ONTAP_SKIP_BROWSER"));
        Assumptions.assumeFalse(mayskip, "chromium not installed; skipped because ONTAP_SKIP_BROWSER=1 outside CI");
        return fail("chromium is not installed, and this test needs a real browser: apt-get install -y chromium"
                + " (.ci/run does it). Outside CI, ONTAP_SKIP_BROWSER=1 skips this test instead.");
    }

    void openPage(Path chromium, String url) throws Exception {
        Path profile = Files.createDirectories(tmp.resolve("chromium-profile"));
        Path log = tmp.resolve("chromium.log");
        browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--user-data-dir=" + profile,
                "--remote-debugging-port=0", "--window-size=1400,900", url)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path activePort = profile.resolve("DevToolsActivePort");
        await().atMost(Duration.ofSeconds(30)).failFast("chromium exited; see " + log, () -> !browser.isAlive())
                .until(() -> Files.isRegularFile(activePort) && Files.readAllLines(activePort).size() >= 2);
        int port = Integer.parseInt(Files.readAllLines(activePort).get(0).trim());
        String socket = await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode targets = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode t : targets) {
                if ("page".equals(t.path("type").asText()) && t.path("url").asText().startsWith(url)) {
                    return t.path("webSocketDebuggerUrl").asText();
                }
            }
            return null;
        }, s -> s != null && !s.isEmpty());
        devtools = HTTP.newWebSocketBuilder().buildAsync(URI.create(socket), new Replies()).get(10, TimeUnit.SECONDS);
    }

    final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    final AtomicInteger ids = new AtomicInteger();

    /** DevTools messages: a reply carries the id of its command. */
    final class Replies implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(text.toString());
                    CompletableFuture<JsonNode> f = m.has("id") ? pending.remove(m.get("id").asInt()) : null;
                    if (f != null) {
                        f.complete(m);
                    }
                } catch (Exception e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    /** What the page shows now, read from its DOM (textContent and data attributes) by Runtime.evaluate. */
    JsonNode page() throws Exception {
        String expression = """
                (() => {
                  if (document.readyState === 'loading' || !document.getElementById('connection')) {
                    return JSON.stringify({loading: true});
                  }
                  const rows = sel => [...document.querySelectorAll(sel)].map(tr => ({
                    id: tr.getAttribute('data-id'), status: tr.getAttribute('data-status'),
                    cells: [...tr.cells].map(c => c.textContent), titles: [...tr.cells].map(c => c.title)}));
                  return JSON.stringify({
                    title: document.title,
                    connection: document.getElementById('connection').textContent,
                    clusters: rows('#clusters-body tr[data-cluster]'),
                    inFlight: rows('#in-flight-body tr[data-id]'),
                    outcomes: rows('#outcomes-body tr[data-id]'),
                    xss: document.getElementById('xss') !== null,
                    images: document.images.length,
                    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth});
                })()""";
        JsonNode answer = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        JsonNode value = answer.at("/result/result/value");
        if (!value.isTextual()) {
            throw new AssertionError("the page could not be read: " + answer);
        }
        return JSON.readTree(value.asText());
    }

    /** One DevTools command and its reply. */
    JsonNode send(String method, com.fasterxml.jackson.databind.node.ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        var command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", params);
        devtools.sendText(command.toString(), true).get(10, TimeUnit.SECONDS);
        return reply.get(10, TimeUnit.SECONDS);
    }

    static Optional<JsonNode> row(JsonNode page, String table, String id) {
        List<JsonNode> found = new ArrayList<>();
        page.path(table).forEach(r -> {
            if (id.equals(r.path("id").asText())) {
                found.add(r);
            }
        });
        return found.stream().findFirst();
    }
}

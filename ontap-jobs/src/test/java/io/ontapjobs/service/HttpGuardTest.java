package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import io.ontapjobs.api.ApiGate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP port against hostile clients, over raw sockets on 127.0.0.1, with short limits set by property. */
class HttpGuardTest {
    @TempDir
    static Path tmp;
    static RunningService svc;

    @BeforeAll
    static void start() throws Exception {
        svc = RunningService.in(tmp).property("ontap.api.request-timeout", "2s").property("ontap.api.header-timeout", "1s")
                .property("ontap.api.idle-timeout", "20s").start();
    }

    @AfterAll
    static void stop() {
        svc.close();
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000); // a read that hangs fails the test instead of blocking it
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Everything the server sends until it closes the connection ("" when it closed without a word). */
    static String readUntilClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder b = new StringBuilder();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (java.net.SocketException reset) {
            // closed with unread input: a reset is a close too
        }
        return b.toString();
    }

    /** One whole response (a Content-Length body), the connection left open for the next. */
    static String readHead(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder b = new StringBuilder();
        while (!b.toString().contains("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return b.toString();
            }
            b.append((char) c);
        }
        var m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(b);
        if (m.find()) {
            b.append(new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.ISO_8859_1));
        }
        return b.toString();
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    @Test
    void aSlowDripBodyIsCutAfterTheRequestTimeout() throws Exception {
        try (Socket s = connect(svc.port)) {
            send(s, "POST /api/v1/operations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
            long started = System.nanoTime();
            Thread drip = new Thread(() -> { // one byte every 300 ms: 30 s for the whole body, far past the 2 s deadline
                try {
                    for (int i = 0; i < 98; i++) {
                        Thread.sleep(300);
                        send(s, " ");
                    }
                } catch (IOException | InterruptedException e) {
                    // cut: what the test expects
                }
            });
            drip.setDaemon(true);
            drip.start();

            String answer = readUntilClosed(s);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            drip.interrupt();

            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(took).isGreaterThan(Duration.ofMillis(1500)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void aConnectionThatNeverFinishesItsHeadersIsClosed() throws Exception {
        try (Socket s = connect(svc.port)) {
            send(s, "GET /observe/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            long started = System.nanoTime();

            assertThat(readUntilClosed(s)).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void aTooLargeContentLengthIsRefusedBeforeTheBodyIsRead() throws Exception {
        try (Socket s = connect(svc.port)) {
            // not a byte of the 2 MB is sent: the answer must come without it
            send(s, "POST /api/v1/operations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n");

            String answer = readUntilClosed(s);

            assertThat(answer).startsWith("HTTP/1.1 413").contains("1048576 bytes");
        }
    }

    @Test
    void aChunkedBodyIsCutOnceItPassesOneMebibyte() throws Exception {
        try (Socket s = connect(svc.port)) {
            send(s, "POST /api/v1/operations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            Thread writer = new Thread(() -> { // 2 MiB in 64 KiB chunks, as fast as the server takes them
                String chunk = Integer.toHexString(65536) + "\r\n" + " ".repeat(65536) + "\r\n";
                try {
                    for (int i = 0; i < 32; i++) {
                        send(s, chunk);
                    }
                    send(s, "0\r\n\r\n");
                } catch (IOException e) {
                    // cut
                }
            });
            writer.setDaemon(true);
            writer.start();

            assertThat(readUntilClosed(s)).startsWith("HTTP/1.1 413");
            writer.join(10_000);
            assertThat(writer.isAlive()).as("the writer was cut off").isFalse();
        }
    }

    @Test
    void aBodyJustUnderTheLimitCountedInBytesGoesThrough() throws Exception {
        // 1 MiB of bytes but fewer characters (é is two bytes): the API, not the server, answers it
        String body = "{\"x\":\"" + "é".repeat((1_048_576 - 8) / 2) + "\"}";
        var response = svc.submit(body);
        assertThat(response.statusCode()).isNotEqualTo(413);
    }

    @Test
    void theGateIsAskedFirstForEveryPath() throws Exception {
        ApiGate gate = request -> {
            if (request.getHeader("X-Let-Me-In") != null) {
                return true;
            }
            request.response().setStatusCode(401).end();
            return false;
        };
        svc.context().getRegistry().bind(ApiGate.REGISTRY_NAME, ApiGate.class, gate);
        try {
            assertThat(svc.get("/observe/health/live").statusCode()).isEqualTo(401);
            assertThat(svc.get("/api/v1/operations/none").statusCode()).isEqualTo(401);
            try (Socket s = connect(svc.port)) { // refused by the gate before the size check
                send(s, "POST /api/v1/operations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n");
                assertThat(readHead(s)).startsWith("HTTP/1.1 401");
            }
            try (Socket s = connect(svc.port)) {
                send(s, "GET /observe/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Let-Me-In: yes\r\n\r\n");
                assertThat(readHead(s)).startsWith("HTTP/1.1 200");
            }
        } finally {
            svc.context().getRegistry().unbind(ApiGate.REGISTRY_NAME);
        }
        assertThat(svc.get("/observe/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void overTheCapConnectionsAreRefusedWhileHealthStillAnswers(@TempDir Path dir) throws Exception {
        int cap = 4;
        try (RunningService capped = RunningService.in(dir).property("ontap.api.max-connections", String.valueOf(cap))
                .property("ontap.api.header-timeout", "30s").start()) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < cap; i++) { // the cap's connections, each proven counted by an answer
                    Socket s = connect(capped.port);
                    held.add(s);
                    send(s, get("/observe/health/live"));
                    assertThat(readHead(s)).startsWith("HTTP/1.1 200");
                }

                try (Socket probe = connect(capped.port)) { // a probe still gets in, through the reserve
                    send(probe, get("/observe/health/live"));
                    assertThat(readHead(probe)).startsWith("HTTP/1.1 200");
                }
                try (Socket api = connect(capped.port)) { // the reserve is not for the API
                    send(api, get("/api/v1/operations/none"));
                    assertThat(readUntilClosed(api)).startsWith("HTTP/1.1 503");
                }

                // a flood: the reserve fills up, whatever is beyond it is closed at once, the reserve soon after
                long started = System.nanoTime();
                List<java.util.concurrent.CompletableFuture<Long>> closes = new ArrayList<>();
                var readers = java.util.concurrent.Executors.newFixedThreadPool(HttpGuard.HEALTH_RESERVE + 3);
                try {
                    for (int i = 0; i < HttpGuard.HEALTH_RESERVE + 3; i++) {
                        Socket s = connect(capped.port);
                        closes.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> { // each watched on its own
                            try (s) {
                                readUntilClosed(s);
                                return Duration.ofNanos(System.nanoTime() - started).toMillis();
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }, readers));
                    }
                    java.util.concurrent.CompletableFuture.allOf(closes.toArray(java.util.concurrent.CompletableFuture[]::new))
                            .get(20, java.util.concurrent.TimeUnit.SECONDS);
                } finally {
                    readers.shutdownNow();
                }
                List<Long> closedAfterMs = new ArrayList<>(closes.stream().map(java.util.concurrent.CompletableFuture::join).toList());
                closedAfterMs.sort(null);
                assertThat(closedAfterMs.get(2)).as("3 beyond cap + reserve closed at once: %s", closedAfterMs).isLessThan(1500);
                assertThat(closedAfterMs.get(closedAfterMs.size() - 1)).as("the reserve's idle connections closed: %s", closedAfterMs)
                        .isLessThan(8000);

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    try (Socket probe = connect(capped.port)) {
                        send(probe, get("/observe/health/live"));
                        assertThat(readHead(probe)).startsWith("HTTP/1.1 200");
                    }
                });
                for (Socket s : held) { // the cap's connections were never disturbed
                    send(s, get("/observe/health/live"));
                    assertThat(readHead(s)).startsWith("HTTP/1.1 200");
                }
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aBadLimitIsAConfigurationErrorNamingTheKey(@TempDir Path dir) {
        var thrown = org.assertj.core.api.Assertions.catchThrowable(() ->
                RunningService.in(dir).property("ontap.api.request-timeout", "soon").start().close());
        Throwable t = thrown;
        while (t != null && !(t instanceof OntapJobsConfiguration.ConfigurationError)) {
            t = t.getCause();
        }
        assertThat(t).isNotNull();
        assertThat(t.getMessage()).startsWith("ontap.api.request-timeout: ").contains("soon");
    }
}

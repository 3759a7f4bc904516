package io.ontapjobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/ontap-jobs.jar with a small heap against 300 connections holding or trickling 2 MB uploads: health keeps
 * answering, the heap survives, and SIGTERM still stops it.
 */
class HostileClientsIT {
    static final Path JAR = Path.of("target/ontap-jobs.jar").toAbsolutePath();
    @TempDir
    Path tmp;

    @Test
    void threeHundredHostileUploadsLeaveHealthAndShutdownWorking() throws Exception {
        int port = RunningService.freePort();
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx192m", "-Dontap.simulator.enabled=true", "-Dontap.api.request-timeout=8s",
                "-jar", JAR.toString(), "serve").directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile());
        pb.environment().put("ONTAP_API_PORT", String.valueOf(port));
        pb.environment().put("ONTAP_BROKER_PORT", String.valueOf(RunningService.freePort()));
        Process serve = pb.start();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        try {
            Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> !serve.isAlive() || probe(port) >= 0);
            assertThat(serve.isAlive()).as(log()).isTrue();

            AtomicBoolean stop = new AtomicBoolean();
            List<Future<?>> attackers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                boolean trickle = i % 2 == 0;
                attackers.add(pool.submit(() -> attack(port, trickle, stop)));
            }
            // sample health with a new connection each time, as a prober does, for 12 s (past the request timeout)
            long maxMs = 0;
            int samples = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
            while (System.nanoTime() < until) {
                long ms = probeWithin2s(port);
                assertThat(ms).as("health answered 200 (sample %d)\n%s", samples, tail()).isGreaterThanOrEqualTo(0);
                maxMs = Math.max(maxMs, ms);
                samples++;
            }
            stop.set(true);
            for (Future<?> f : attackers) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(samples).isGreaterThan(5);
            assertThat(maxMs).as("slowest health answer").isLessThan(2000);

            assertThat(serve.isAlive()).as(tail()).isTrue();
            HttpResponse<String> normal = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/operations"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"after-flood\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(normal.statusCode()).as(normal.body()).isBetween(200, 299);
            assertThat(log()).doesNotContain("OutOfMemoryError");

            serve.destroy(); // SIGTERM
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM\n%s", tail()).isTrue();
        } finally {
            pool.shutdownNow();
            if (serve.isAlive()) {
                serve.destroyForcibly();
            }
        }
    }

    /** One hostile upload of 2 MB: a Content-Length it holds back, or a chunked body trickled 1 KiB at a time. */
    private static void attack(int port, boolean trickle, AtomicBoolean stop) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            String head = "POST /api/v1/operations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + (trickle ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: 2000000\r\n\r\n");
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (trickle) {
                byte[] chunk = ("400\r\n" + "x".repeat(1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < 2000 && !stop.get(); i++) {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(50); // the trickle itself, not a synchronisation
                }
            } else {
                out.write(new byte[64 * 1024]); // a first slice of the body, then hold
                out.flush();
            }
            InputStream in = s.getInputStream();
            while (in.read() >= 0 && !stop.get()) {
                // the server's answer, until it closes
            }
        } catch (IOException e) {
            // refused, cut or reset: what the server should do to it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Milliseconds until health answers 200, a refused connection tried again as a prober would (the first burst of 300
     * can fill the health reserve for an instant); -1 when no answer came within 2 s.
     */
    private static long probeWithin2s(int port) {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(2);
        for (int attempt = 0; attempt < 20 && System.nanoTime() < deadline; attempt++) {
            if (probe(port) >= 0) {
                return (System.nanoTime() - started) / 1_000_000;
            }
        }
        return -1;
    }

    /** Milliseconds for GET /observe/health/live on a new connection, or -1 when it did not answer 200 within 5 s. */
    private static long probe(int port) {
        long started = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /observe/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 200") ? (System.nanoTime() - started) / 1_000_000 : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("serve.log"));
    }

    private String tail() throws IOException {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}

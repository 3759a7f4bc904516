package io.ontapjobs.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A webhook receiver that takes the connection and never answers holds up its own deliveries only: jobs are still
 * polled and end on time, and outcome files are still written, while each webhook delivery waits for its timeout.
 */
class HangingWebhookTest {
    @TempDir
    Path tmp;
    ServerSocket receiver;
    final List<Socket> held = new CopyOnWriteArrayList<>();
    RunningService service;

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        for (Socket s : held) {
            s.close();
        }
        receiver.close();
    }

    @Test
    void aWebhookThatNeverAnswersDelaysNeitherTrackingNorTheOtherSinks() throws Exception {
        receiver = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            try {
                while (!receiver.isClosed()) {
                    held.add(receiver.accept()); // reads nothing, answers nothing
                }
            } catch (java.io.IOException closed) {
                // the test ended
            }
        });
        accept.setDaemon(true);
        accept.start();
        service = RunningService.in(tmp)
                .scenarios("scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 300ms}\n")
                .property("ontap.outcomes.webhook.url", "http://127.0.0.1:" + receiver.getLocalPort() + "/hook")
                .property("ontap.outcomes.webhook.timeout", "20s")
                .start();

        service.submit("{\"id\":\"first\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !held.isEmpty()); // its webhook delivery now hangs

        long start = System.nanoTime();
        for (String id : List.of("second", "third")) {
            service.submit("{\"id\":\"" + id + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
        }
        // 300 ms jobs: seen ended, and their files written, long before the hanging delivery's 20 s timeout
        await().atMost(Duration.ofSeconds(8)).until(() -> Files.exists(tmp.resolve("outcomes/second.json"))
                && Files.exists(tmp.resolve("outcomes/third.json")));
        assertThat(service.operation("second").path("status").asText()).isEqualTo("succeeded");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(held).as("one delivery hangs; the others wait their turn behind it").hasSize(1);
    }
}

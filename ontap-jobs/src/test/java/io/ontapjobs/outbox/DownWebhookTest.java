package io.ontapjobs.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.RunningService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A webhook receiver that is down (503 to everything) is asked once per pause, and the pause grows, however many
 * outcomes wait for it: it is not hammered with one attempt per outcome while it recovers.
 */
class DownWebhookTest {
    @TempDir
    Path tmp;
    HttpServer receiver;
    RunningService service;
    final List<Long> attemptsAtNanos = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        receiver.stop(0);
    }

    @Test
    void aReceiverThatIsDownGetsOneAttemptPerGrowingPauseNotOnePerOutcome() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            attemptsAtNanos.add(System.nanoTime());
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        receiver.start();
        service = RunningService.in(tmp)
                .scenarios("scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 200ms}\n")
                .property("ontap.outcomes.webhook.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
                .start();
        for (int i = 1; i <= 6; i++) {
            service.submit("{\"id\":\"down-" + i + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/down-6.json"))); // files go on

        await().atMost(Duration.ofSeconds(20)).until(() -> attemptsAtNanos.size() >= 3);
        // paused 1 s after the first failure, 2 s after the second: without the pause, six outcomes would bring six
        // attempts within a second, each one's own backoff starting only after its own first failure
        Duration firstToThird = Duration.ofNanos(attemptsAtNanos.get(2) - attemptsAtNanos.get(0));
        assertThat(firstToThird).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    }
}

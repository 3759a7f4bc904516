package io.ontapjobs.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import io.ontapjobs.broker.EmbeddedBroker;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows the broker named by ontap.broker.url: down while nothing listens there, up once a broker does. */
class BrokerHealthTest {
    @TempDir
    Path tmp;
    RunningService service;
    EmbeddedBroker broker;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.stop();
        }
    }

    /** "STATUS" or "STATUS: message" of the ontap broker check in a readiness answer. */
    static String brokerCheck(HttpResponse<String> ready) throws Exception {
        for (JsonNode check : new ObjectMapper().readTree(ready.body()).path("checks")) {
            if (check.path("name").asText().equals("broker")) {
                return check.path("status").asText() + (check.hasNonNull("message") ? ": " + check.path("message").asText() : "");
            }
        }
        return "no broker check in " + ready.body();
    }

    @Test
    void readinessIsDownWhileTheBrokerIsUnreachableAndUpOnceItListens() throws Exception {
        int brokerPort = RunningService.freePort();
        broker = new EmbeddedBroker(tmp.resolve("broker"), "127.0.0.1", brokerPort, List.of("ontap.outcomes", "ontap.requests"));
        var login = broker.serviceLogin(); // the broker logs everyone in: the service with ontap.broker.user/.password
        service = RunningService.in(tmp).property("ontap.broker.url", "tcp://127.0.0.1:" + brokerPort)
                .property("ontap.broker.user", login.user()).property("ontap.broker.password", login.password()).start();

        HttpResponse<String> down = service.get("/observe/health/ready?data=true");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(brokerCheck(down)).startsWith("DOWN: the broker of ontap.broker.url is unreachable");

        // A broker comes up where the service looks for it: readiness follows without a restart.
        broker.start();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> up = service.get("/observe/health/ready?data=true");
            assertThat(brokerCheck(up)).isEqualTo("UP");
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        });
    }

    @Test
    void readinessIsDownWhenTheBrokerRefusesTheLogin() throws Exception {
        int brokerPort = RunningService.freePort();
        broker = new EmbeddedBroker(tmp.resolve("broker"), "127.0.0.1", brokerPort, List.of("ontap.outcomes", "ontap.requests"));
        broker.start();
        service = RunningService.in(tmp).property("ontap.broker.url", "tcp://127.0.0.1:" + brokerPort)
                .property("ontap.broker.user", "nobody").property("ontap.broker.password", "Wrong-pw-5521").start();

        HttpResponse<String> down = service.get("/observe/health/ready?data=true");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(brokerCheck(down)).startsWith("DOWN: the broker of ontap.broker.url refused the login of ontap.broker.user")
                .doesNotContain("Wrong-pw-5521");
    }
}

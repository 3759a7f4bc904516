package io.ontapjobs.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.broker.EmbeddedBroker;
import io.ontapjobs.service.EmbeddedDefaults;
import io.ontapjobs.simulator.OntapSimulator;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows the broker named by ontap.broker.url: down while nothing listens there, up once a broker does. */
class BrokerHealthTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path tmp;
    OntapSimulator sim;
    Main main;
    EmbeddedBroker broker;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
        if (broker != null) {
            broker.stop();
        }
        if (sim != null) {
            sim.close();
        }
    }

    HttpResponse<String> ready(String base) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/observe/health/ready?data=true")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** "STATUS: message" of the ontap broker check in a readiness answer. */
    static String brokerCheck(HttpResponse<String> ready) throws Exception {
        for (JsonNode check : new ObjectMapper().readTree(ready.body()).path("checks")) {
            if (check.path("name").asText().equals("broker")) {
                return check.path("status").asText() + ": " + check.path("message").asText();
            }
        }
        return "no broker check in " + ready.body();
    }

    @Test
    void readinessIsDownWhileTheBrokerIsUnreachableAndUpOnceItListens() throws Exception {
        sim = OntapSimulator.builder().port(0).build().start();
        int apiPort = freePort();
        int brokerPort = freePort();
        String base = "http://127.0.0.1:" + apiPort;
        main = new Main();
        EmbeddedDefaults.configure(main, false);
        main.addOverrideProperty("ontap.api.port", String.valueOf(apiPort));
        main.addOverrideProperty("ontap.broker.url", "tcp://127.0.0.1:" + brokerPort);
        main.addOverrideProperty("ontap.inbox.dir", tmp.resolve("inbox").toString());
        main.addOverrideProperty("ontap.outcomes.dir", tmp.resolve("outcomes").toString());
        main.addOverrideProperty("ontap.state.dir", tmp.resolve("data").toString());
        main.addOverrideProperty("ontap.clusters.default.url", sim.baseUrl());
        main.addOverrideProperty("ontap.clusters.default.password", "netapp1!");
        main.start();

        HttpResponse<String> down = ready(base);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(brokerCheck(down)).startsWith("DOWN: the broker of ontap.broker.url is unreachable");

        // A broker comes up where the service looks for it: readiness follows without a restart.
        broker = new EmbeddedBroker(tmp.resolve("broker"), "127.0.0.1", brokerPort, List.of("ontap.outcomes", "ontap.requests"));
        broker.start();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> up = ready(base); // Camel lists the checks only when one is down
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        });
    }
}

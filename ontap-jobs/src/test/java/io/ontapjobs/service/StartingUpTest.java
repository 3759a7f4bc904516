package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Processor;
import org.apache.camel.Service;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP port listens before Camel has started the routes: a client racing start-up is told to come back (503 with
 * Retry-After and a JSON error), never a 404 that reads as "no such API". A route whose start is held open by a latch
 * keeps the service in that window for as long as the test needs, without sleeps.
 */
class StartingUpTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path tmp;

    /** A processor whose start waits for the test: Camel starts it while it starts the routes. */
    static final class HeldStart implements Processor, Service {
        final CountDownLatch starting = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void start() {
            starting.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void stop() {
        }

        @Override
        public void process(org.apache.camel.Exchange exchange) {
        }
    }

    @Test
    void requestsWhileRoutesStartAre503WithRetryAfterThenServed() throws Exception {
        HeldStart held = new HeldStart();
        int port = RunningService.freePort();
        Main main = new Main();
        OntapJobsConfiguration.configure(main, false);
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:held-start").routeId("held-start").startupOrder(1).process(held); // before the API's routes
            }
        });
        main.addOverrideProperty("ontap.simulator.enabled", "true");
        main.addOverrideProperty("ontap.api.port", String.valueOf(port));
        main.addOverrideProperty("ontap.broker.port", String.valueOf(RunningService.freePort()));
        main.addOverrideProperty("ontap.inbox.dir", tmp.resolve("inbox").toString());
        main.addOverrideProperty("ontap.outcomes.dir", tmp.resolve("outcomes").toString());
        main.addOverrideProperty("ontap.state.dir", tmp.resolve("data").toString());
        main.addOverrideProperty("camel.main.shutdown-timeout", "1");
        CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
            try {
                main.start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertThat(held.starting.await(60, TimeUnit.SECONDS)).as("Camel starts the routes").isTrue();
            URI list = URI.create("http://127.0.0.1:" + port + "/api/v1/operations");

            HttpResponse<String> early = HTTP.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(early.statusCode()).as(early.body()).isEqualTo(503);
            assertThat(early.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(early.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(new ObjectMapper().readTree(early.body()).at("/error/message").asText()).contains("starting");

            held.release.countDown();
            started.get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(HTTP.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
        } finally {
            held.release.countDown();
            started.handle((v, e) -> null).get(60, TimeUnit.SECONDS);
            main.stop();
        }
    }
}

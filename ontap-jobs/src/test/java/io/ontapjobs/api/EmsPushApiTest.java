package io.ontapjobs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.RunningService;
import io.ontapjobs.component.OntapEventConsumer;
import io.ontapjobs.simulator.OntapSimulator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EMS pushes over real HTTP, tokens configured: a push makes the cluster's consumer (poll delay 60 s) deliver at
 * once; a flood is at most two extra polls; a big body, a DTD, an unknown cluster or a wrong token change nothing.
 */
class EmsPushApiTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String PUSHER = "push-Token-0123456789abcdef";
    static final String READER = "read-Token-0123456789abcdef";
    static final List<Exchange> RECEIVED = new CopyOnWriteArrayList<>();
    @TempDir
    static Path tmp;
    static OntapSimulator sim;
    static RunningService service;
    static String push;

    @BeforeAll
    static void start() throws Exception {
        sim = OntapSimulator.builder().port(0).build().start();
        service = RunningService.in(tmp).cluster(sim.baseUrl())
                .property("ontap.api.tokens.ems.sha256", sha256(PUSHER)).property("ontap.api.tokens.ems.roles", "push")
                .property("ontap.api.tokens.ops.sha256", sha256(READER)).property("ontap.api.tokens.ops.roles", "read")
                .start();
        service.context().addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("ontap:default?events=*&delay=60000&initialDelay=0").routeId("ems-push-test").process(RECEIVED::add);
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> consumer().getSuccessCounter() >= 1); // the first start
        push = service.base + EmsPushApi.BASE;
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        sim.close();
    }

    @BeforeEach
    void apart() throws Exception {
        Thread.sleep(1100); // the previous test's hint poll is behind us: each test sees its own
    }

    static OntapEventConsumer consumer() {
        return (OntapEventConsumer) service.context().getRoute("ems-push-test").getConsumer();
    }

    static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    static long eventQueries() {
        return sim.emsRequests().stream().filter(r -> r.uri().startsWith("/api/support/ems/events")).count();
    }

    static HttpResponse<String> post(String url, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/xml");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static final String EVENT_XML = "<?xml version=\"1.0\"?><netapp><ems-message-info><message-name>monitor.volume.full</message-name>"
            + "</ems-message-info></netapp>";

    @Test
    void aPushWithTheTokenInItsUrlMakesTheConsumerDeliverWellBeforeItsPollDelay() throws Exception {
        int before = RECEIVED.size();
        sim.emitEvent("sim-01", "monitor.volume.full", "alert", Map.of("name", "v1"));
        long t0 = System.nanoTime();

        HttpResponse<String> r = post(push + "/default/" + PUSHER, EVENT_XML, null);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(5)).until(() -> RECEIVED.size() == before + 1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5)); // the poll delay: 60 s
        assertThat(post(push + "/default", "", PUSHER).statusCode()).as("the header works too").isEqualTo(202);
    }

    @Test
    void aHundredPushesInASecondAreAtMostTwoExtraPolls() throws Exception {
        long queries = eventQueries();
        long t0 = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) { // at once, as ONTAP's pushes of a burst of events come
            sent.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(push + "/default/" + PUSHER))
                    .POST(HttpRequest.BodyPublishers.ofString(EVENT_XML)).header("Content-Type", "application/xml").build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (var f : sent) {
            assertThat(f.get().statusCode()).isEqualTo(202);
        }
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds(); // 0 on most runs: all in one second
        Thread.sleep(2500);
        // one poll at once, one more a second later for what came after it, and one a second for a longer burst
        assertThat(eventQueries() - queries).as("EMS requests the pushes caused (burst of %d s)", seconds).isBetween(1L, 2L + seconds);
    }

    @Test
    void aBodyOver64KiBIs413AndPollsNothing() throws Exception {
        long queries = eventQueries();
        HttpResponse<String> r = post(push + "/default/" + PUSHER, "<a>" + "x".repeat(70 * 1024) + "</a>", null);
        assertThat(r.statusCode()).isEqualTo(413);
        Thread.sleep(1200);
        assertThat(eventQueries()).isEqualTo(queries);
    }

    @Test
    void aDtdOrExternalEntityIs400AndNothingIsFetched() throws Exception {
        AtomicInteger fetched = new AtomicInteger();
        HttpServer bait = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bait.createContext("/", x -> {
            fetched.incrementAndGet();
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        bait.start();
        try {
            String at = "http://127.0.0.1:" + bait.getAddress().getPort();
            long queries = eventQueries();
            for (String xml : List.of(
                    "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"" + at + "/x\">]><a>&x;</a>",
                    "<?xml version=\"1.0\"?><!DOCTYPE a SYSTEM \"" + at + "/a.dtd\"><a/>",
                    "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY % p SYSTEM \"" + at + "/p\"> %p;]><a/>",
                    "<a><b></a>")) {
                HttpResponse<String> r = post(push + "/default/" + PUSHER, xml, null);
                assertThat(r.statusCode()).as(xml).isEqualTo(400);
            }
            Thread.sleep(1200);
            assertThat(fetched).hasValue(0);
            assertThat(eventQueries()).as("a refused push polls nothing").isEqualTo(queries);
        } finally {
            bait.stop(0);
        }
    }

    @Test
    void aPushForAnUnknownClusterIs404AndAWrongTokenOrRole401Or403AndNothingPolls() throws Exception {
        long queries = eventQueries();
        assertThat(post(push + "/nope/" + PUSHER, EVENT_XML, null).statusCode()).isEqualTo(404);
        assertThat(post(push + "/DEFAULT/" + PUSHER, EVENT_XML, null).statusCode()).as("matched as a plain string").isEqualTo(404);
        assertThat(post(push + "/default/forged-token", EVENT_XML, null).statusCode()).isEqualTo(401);
        assertThat(post(push + "/default", EVENT_XML, null).statusCode()).isEqualTo(401);
        assertThat(post(push + "/default/" + READER, EVENT_XML, null).statusCode()).as("a reader may not push").isEqualTo(403);
        assertThat(post(service.base + "/api/v1/operations/x/" + PUSHER, "", null).statusCode())
                .as("only the push path takes a token in its URL").isEqualTo(401);
        Thread.sleep(1200);
        assertThat(eventQueries()).isEqualTo(queries);
    }
}

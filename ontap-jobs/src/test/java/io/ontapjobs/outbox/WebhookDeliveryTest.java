package io.ontapjobs.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.CamelContext;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outcomes reach webhook receivers from the durable outbox: signed per Standard Webhooks, retried after 503/429
 * (honouring Retry-After) until accepted, not retried after a 4xx, dead-lettered when too old.
 */
class WebhookDeliveryTest extends CamelTestSupport {
    static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("a-test-signing-key-of-32-bytes!!".getBytes(StandardCharsets.UTF_8));
    static final ObjectMapper JSON = new ObjectMapper();
    static OntapSimulator sim;
    static HttpServer receiver;
    static final List<Map<String, String>> accepted = new CopyOnWriteArrayList<>();
    static final AtomicInteger flakyCalls = new AtomicInteger();
    static final AtomicInteger refusingCalls = new AtomicInteger();
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/flaky", ex -> { // refuses the first two deliveries, then accepts
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (flakyCalls.incrementAndGet() <= 2) {
                ex.getResponseHeaders().add("Retry-After", "1");
                ex.sendResponseHeaders(503, -1);
            } else {
                accepted.add(Map.of("id", ex.getRequestHeaders().getFirst("webhook-id"),
                        "timestamp", ex.getRequestHeaders().getFirst("webhook-timestamp"),
                        "signature", ex.getRequestHeaders().getFirst("webhook-signature"),
                        "type", ex.getRequestHeaders().getFirst("Content-Type"), "body", body,
                        "agent", String.valueOf(ex.getRequestHeaders().getFirst("User-Agent"))));
                ex.sendResponseHeaders(204, -1);
            }
            ex.close();
        });
        receiver.createContext("/gone", ex -> {
            ex.getRequestBody().readAllBytes();
            refusingCalls.incrementAndGet();
            ex.sendResponseHeaders(410, -1);
            ex.close();
        });
        receiver.createContext("/down", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
        sim.close();
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        Properties p = new Properties();
        p.put("ontap.state.dir", tmp.resolve("data").toString());
        p.put("ontap.outcomes.webhook.url", base + "/flaky," + base + "/gone," + base + "/down");
        p.put("ontap.outcomes.webhook.secret", SECRET);
        p.put("ontap.outcomes.webhook.max-age", "2s");
        p.put("ontap.outcomes.dead-letter.dir", tmp.resolve("dead-letter").toString());
        p.put("ontap.outcomes.jsonl", tmp.resolve("all/outcomes.jsonl").toString());
        return p;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        OntapComponent ontap = new OntapComponent();
        ontap.addCluster(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        context.addComponent("ontap", ontap);
        // the service's store and outbox, configured from the properties above (read now, before the context starts)
        context.getPropertiesComponent().setOverrideProperties(useOverridePropertiesWithPropertiesComponent());
        new io.ontapjobs.service.OutcomeDelivery().configure(context);
        return context;
    }

    @Test
    void eachOutcomeIsDeliveredOnceSignedRefusalsAreRecordedAndOldOnesDeadLettered() throws Exception {
        template.send("ontap:default?method=POST&path=/api/storage/volumes", e -> {
            e.getIn().setHeader("CamelOntapOperationId", "hook-1");
            e.getIn().setBody("{}");
        });

        await().atMost(Duration.ofSeconds(15)).until(() -> accepted.size() == 1);
        Map<String, String> got = accepted.get(0);
        assertThat(got.get("id")).isEqualTo("hook-1");
        assertThat(got.get("type")).isEqualTo("application/cloudevents+json");
        // the product names itself on webhooks and to ONTAP (its audit log shows the User-Agent and X-Dot-Client-App)
        String product = "ontap-jobs/" + io.ontapjobs.ontap.Version.VERSION;
        assertThat(io.ontapjobs.ontap.Version.VERSION).isNotEqualTo("unknown");
        assertThat(got.get("agent")).isEqualTo(product);
        assertThat(sim.clients()).containsExactly(product + " | " + product);
        assertThat(JSON.readTree(got.get("body")).get("id").asText()).isEqualTo("hook-1");
        // verified as a receiver would: HMAC-SHA256 over "<id>.<timestamp>.<body>" with the decoded secret
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring(6)), "HmacSHA256"));
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(
                (got.get("id") + "." + got.get("timestamp") + "." + got.get("body")).getBytes(StandardCharsets.UTF_8)));
        assertThat(got.get("signature")).isEqualTo(expected);
        assertThat(flakyCalls.get()).isEqualTo(3);

        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("dead-letter/webhook-3/hook-1.json")));
        assertThat(refusingCalls.get()).as("a 410 is not retried").isEqualTo(1);
        assertThat(JSON.readTree(tmp.resolve("dead-letter/webhook-3/hook-1.json").toFile()).get("id").asText()).isEqualTo("hook-1");
        assertThat(accepted).hasSize(1);
        // the JSON-lines sink got it too, as one line
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(tmp.resolve("all/outcomes.jsonl")));
        List<String> lines = Files.readAllLines(tmp.resolve("all/outcomes.jsonl"));
        assertThat(lines).hasSize(1);
        assertThat(JSON.readTree(lines.get(0)).get("id").asText()).isEqualTo("hook-1");
    }
}

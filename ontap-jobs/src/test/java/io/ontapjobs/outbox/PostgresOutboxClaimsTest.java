package io.ontapjobs.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.store.PostgresServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas' outboxes on one PostgreSQL database, delivering at the same time to one webhook receiver: each
 * outcome reaches it once, and both replicas deliver (a delivery is claimed while it is sent).
 */
class PostgresOutboxClaimsTest {
    static final int OUTCOMES = 120;
    @TempDir
    Path tmp;
    HttpServer receiver;
    CamelContext camel;
    OperationStore one;
    OperationStore two;
    /** webhook-id → how many times it arrived. */
    final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    /** the path posted to (one per replica's outbox) → how many deliveries. */
    final Map<String, AtomicInteger> byReplica = new ConcurrentHashMap<>();

    @AfterEach
    void stop() throws Exception {
        if (receiver != null) {
            receiver.stop(0);
        }
        if (camel != null) {
            camel.stop();
        }
        for (OperationStore s : new OperationStore[] {one, two}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void twoOutboxesOnOneDatabaseNeverDeliverTheSameOutcomeTwice() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            received.computeIfAbsent(ex.getRequestHeaders().getFirst("webhook-id"), k -> new AtomicInteger()).incrementAndGet();
            byReplica.computeIfAbsent(ex.getRequestURI().getPath(), k -> new AtomicInteger()).incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        receiver.start();
        camel = new DefaultCamelContext();
        io.ontapjobs.ontap.OntapClient.bindHttpClientConfigurer(camel); // as the service does: what WebhookSink's URIs name
        camel.start();
        PostgresServer.Database db = PostgresServer.newDatabase();
        one = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        two = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        for (int i = 0; i < OUTCOMES; i++) {
            String id = "op-" + i;
            one.insert(id, "c1", "{}", Instant.now());
            one.end(id, "succeeded", "{\"id\":\"" + id + "\",\"data\":{\"status\":\"succeeded\"}}", List.of("webhook-1"));
        }
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort();
        Outbox first = outbox(one, url + "/one");
        Outbox second = outbox(two, url + "/two");

        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> first.deliverDue("webhook-1"));
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> second.deliverDue("webhook-1"));
        CompletableFuture.allOf(a, b).get();

        assertThat(one.outbox().pending("webhook-1")).isZero();
        assertThat(received).hasSize(OUTCOMES);
        assertThat(received.values()).as("each outcome once").allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(byReplica.keySet()).as("both replicas delivered").containsExactlyInAnyOrder("/one", "/two");
    }

    private Outbox outbox(OperationStore store, String url) {
        WebhookSink sink = new WebhookSink(camel.createProducerTemplate(), url, null, Duration.ofSeconds(5), Clock.systemUTC());
        return new Outbox(store, Map.of("webhook-1", sink), Duration.ofHours(1), tmp.resolve("dead"), OntapMetrics.NONE);
    }
}

package io.ontapjobs.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.store.OutboxQueue;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas' outboxes on one PostgreSQL database, delivering at the same time to one webhook receiver: each
 * outcome reaches it once, and both replicas deliver (a delivery is claimed while it is sent). A claim is a lease:
 * not taken by another replica while it is live, taken once it has lapsed, and held with no connection of the store
 * while the sink is called.
 */
class PostgresOutboxClaimsTest {
    static final int OUTCOMES = 120;
    @TempDir
    Path tmp;
    HttpServer receiver;
    CamelContext camel;
    OperationStore one;
    OperationStore two;
    PostgresServer.Database db;
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
        db = PostgresServer.newDatabase();
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


    @Test
    void aLiveClaimIsNotTakenByAnotherReplicaALapsedOneIsAndTheLateResultIsNotRecorded() throws Exception {
        openBoth();
        queue("op-1");
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch wake = new CountDownLatch(1);
        AtomicBoolean lateRecorded = new AtomicBoolean(true);
        Instant claimedAt = Instant.now();
        // replica one claims it for 2 s, and its sink hangs (or the replica is paused) past that
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> one.outbox().claimNext("webhook-1", Instant.now(),
                Duration.ofSeconds(2), c -> {
                    sending.countDown();
                    awaitLatch(wake);
                    lateRecorded.set(c.delivered());
                    return false;
                }));
        assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(one.activeConnections()).as("connections of replica one's store held while its sink is called").isZero();

        assertThat(two.outbox().claimNext("webhook-1", Instant.now(), Duration.ofSeconds(30), c -> {
            throw new AssertionError("taken while claimed by replica one");
        })).as("live: replica two passes it by").isFalse();

        AtomicReference<OutboxQueue.Delivery> taken = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            two.outbox().claimNext("webhook-1", Instant.now(), Duration.ofSeconds(30), c -> {
                taken.set(c.delivery());
                assertThat(c.failed(Instant.now().plusSeconds(3600), "HTTP 503")).as("recorded: replica two's claim").isTrue();
                return false;
            });
            return taken.get() != null;
        });
        assertThat(Duration.between(claimedAt, Instant.now())).as("taken after the lease only").isGreaterThan(Duration.ofMillis(1500));
        assertThat(taken.get().outcomeId()).isEqualTo("op-1");
        assertThat(taken.get().attempts()).as("replica one recorded nothing").isZero();

        wake.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(lateRecorded).as("replica one's late result: not its claim any more").isFalse();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE outcome_id = 'op-1' AND attempts = 1 AND last_error = 'HTTP 503'"
                + " AND delivered_at IS NULL AND claimed_by IS NULL AND claimed_until IS NULL")).as("replica two's result stands").isEqualTo(1);
    }

    @Test
    void theSinkIsCalledWithNoConnectionOfTheStoreHeld() throws Exception {
        openBoth();
        queue("op-1");
        queue("op-2");
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        List<Integer> activeWhileSending = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicReference<String> beingSent = new AtomicReference<>();
        Sink blocking = new Sink() {
            @Override
            public Result deliver(String id, String outcome) {
                beingSent.compareAndSet(null, id);
                activeWhileSending.add(one.activeConnections());
                sending.countDown();
                awaitLatch(answer);
                return Sink.Result.DELIVERED;
            }

            @Override
            public int batchSize() {
                return 1; // one claimed at a time: the other stays for replica two
            }
        };
        Outbox outbox = new Outbox(one, Map.of("webhook-1", blocking), Duration.ofHours(1), tmp.resolve("dead"), OntapMetrics.NONE);
        CompletableFuture<Void> delivering = CompletableFuture.runAsync(() -> outbox.deliverDue("webhook-1"));
        assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(one.activeConnections()).as("connections held while the sink's send blocks").isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL AND claimed_until > CURRENT_TIMESTAMP"))
                .as("claimed meanwhile, in the database").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM pg_locks l JOIN pg_class t ON l.relation = t.oid WHERE t.relname = 'delivery'"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
                .as("no lock on the queue").isZero();
        assertThat(two.outbox().claimNext("webhook-1", Instant.now(), c -> {
            assertThat(c.delivery().outcomeId()).as("the other, not the one being sent").isNotEqualTo(beingSent.get());
            c.delivered();
            return false;
        })).isFalse();

        answer.countDown();
        delivering.get(10, TimeUnit.SECONDS);
        assertThat(one.outbox().pending("webhook-1")).isZero();
        assertThat(activeWhileSending).isNotEmpty().allSatisfy(n -> assertThat(n).isZero());
    }

    @Test
    void twoReplicasClaimingBatchesAtTheSameMomentNeverGetTheSameDelivery() throws Exception {
        openBoth();
        int outcomes = 240;
        for (int i = 0; i < outcomes; i++) {
            queue("op-" + i);
        }
        // two claimers per replica, each round all four claim a batch at the same moment, before any records
        OperationStore[] claimers = {one, one, two, two};
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(claimers.length);
        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        List<String> twice = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger emptyRounds = new AtomicInteger();
        List<CompletableFuture<Void>> running = new java.util.ArrayList<>();
        for (int k = 0; k < claimers.length; k++) {
            OperationStore store = claimers[k];
            String name = (store == one ? "one" : "two") + "/" + k;
            running.add(CompletableFuture.runAsync(() -> {
                for (int round = 0; round < 8; round++) {
                    awaitBarrier(together);
                    try (OutboxQueue.Batch batch = store.outbox().claimBatch("webhook-1", Instant.now(), Duration.ofSeconds(30), 10)) {
                        awaitBarrier(together); // all four hold their batches, none recorded yet
                        if (batch.isEmpty()) {
                            emptyRounds.incrementAndGet();
                        }
                        for (OutboxQueue.Claim c : batch.claims()) {
                            if (claimedBy.putIfAbsent(c.delivery().outcomeId(), name) != null) {
                                twice.add(c.delivery().outcomeId());
                            }
                            c.delivered();
                        }
                        assertThat(batch.record()).as("no claim of a live batch lapsed").isEmpty();
                    }
                }
            }));
        }
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

        assertThat(twice).as("claimed by two batches").isEmpty();
        assertThat(claimedBy).as("each claimed once, in 4 × 6 batches of 10").hasSize(outcomes);
        assertThat(claimedBy.values().stream().map(v -> v.substring(0, 3)).distinct()).as("both replicas claimed")
                .containsExactlyInAnyOrder("one", "two");
        assertThat(one.outbox().pending("webhook-1")).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE attempts = 1 AND result = 'delivered' AND claimed_by IS NULL"))
                .as("each recorded once").isEqualTo(outcomes);
    }

    @Test
    void aBatchRecordedAfterItsLeaseLapsedAndAnotherTookItRecordsNothingOfIt() throws Exception {
        openBoth();
        queue("op-1");
        queue("op-2");
        OutboxQueue.Batch late = one.outbox().claimBatch("webhook-1", Instant.now(), Duration.ofMillis(500), 10);
        assertThat(late.claims()).hasSize(2);
        AtomicReference<List<String>> taken = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (OutboxQueue.Batch b = two.outbox().claimBatch("webhook-1", Instant.now(), Duration.ofSeconds(30), 10)) {
                if (b.isEmpty()) {
                    return false;
                }
                taken.set(b.claims().stream().map(c -> c.delivery().outcomeId()).toList());
                b.claims().forEach(c -> c.failed(Instant.now().plusSeconds(3600), "HTTP 503"));
                return true;
            }
        });
        assertThat(taken.get()).containsExactlyInAnyOrder("op-1", "op-2");
        late.claims().forEach(OutboxQueue.Claim::delivered);

        assertThat(late.record()).as("lapsed: not recorded").containsExactlyInAnyOrder("op-1", "op-2");
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NULL AND attempts = 1 AND last_error = 'HTTP 503'"))
                .as("replica two's results stand").isEqualTo(2);
    }

    private static void awaitBarrier(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void openBoth() {
        db = PostgresServer.newDatabase();
        one = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        two = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
    }

    private void queue(String id) {
        one.insert(id, "c1", "{}", Instant.now());
        one.end(id, "succeeded", "{\"id\":\"" + id + "\"}", List.of("webhook-1"));
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private long count(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = db.connect(); java.sql.Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private Outbox outbox(OperationStore store, String url) {
        WebhookSink sink = new WebhookSink(camel.createProducerTemplate(), url, null, Duration.ofSeconds(5), Clock.systemUTC());
        return new Outbox(store, Map.of("webhook-1", sink), Duration.ofHours(1), tmp.resolve("dead"), OntapMetrics.NONE);
    }
}

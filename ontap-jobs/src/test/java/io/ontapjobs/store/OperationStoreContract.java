package io.ontapjobs.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.store.OutboxQueue.Delivery;
import io.ontapjobs.operation.OperationRepository.CancelStep;
import io.ontapjobs.operation.StoredOperation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the store promises, whatever the database: each database's test runs all of it through the public API. */
abstract class OperationStoreContract {
    static final String JOBS = "[\"1cd8a442-86d1-11e0-ae1c-123478563412\"]";
    static final String OUTCOME = "{\"type\":\"ontap.operation.succeeded\",\"data\":{\"status\":\"succeeded\"}}";
    OperationStore store;

    /** A store on a new, empty database. */
    abstract OperationStore openNew();

    /** The same database again, as a restarted process opens it. */
    abstract OperationStore reopen();

    /** A connection of its own, to see what the store wrote. */
    abstract Connection connect() throws SQLException;

    @BeforeEach
    void open() {
        store = openNew();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void recordsAnOperationFromAcceptedToItsOutcome() {
        Instant accepted = Instant.parse("2026-03-01T10:15:30.123456Z");

        assertThat(store.insert("op-1", "c1", "{\"path\":\"/api/storage/volumes\"}", accepted)).isTrue();
        StoredOperation stored = store.find("op-1").orElseThrow();
        assertThat(stored.status()).isEqualTo("accepted");
        assertThat(stored.cluster()).isEqualTo("c1");
        assertThat(stored.request()).isEqualTo("{\"path\":\"/api/storage/volumes\"}");
        assertThat(stored.acceptedAt()).isEqualTo(accepted);
        assertThat(stored.attempts()).isZero();
        assertThat(stored.jobs()).isNull();

        store.triggering("op-1", 1);
        assertThat(store.find("op-1").orElseThrow().status()).isEqualTo("triggering");
        store.running("op-1", 1, JOBS);
        StoredOperation running = store.find("op-1").orElseThrow();
        assertThat(running.status()).isEqualTo("running");
        assertThat(running.attempts()).isEqualTo(1);
        assertThat(running.jobs()).isEqualTo(JOBS);
        assertThat(store.unfinished()).extracting(StoredOperation::id).containsExactly("op-1");

        store.end("op-1", "succeeded", OUTCOME, List.of("file", "webhook-1"));

        StoredOperation ended = store.find("op-1").orElseThrow();
        assertThat(ended.status()).isEqualTo("succeeded");
        assertThat(ended.outcome()).isEqualTo(OUTCOME);
        assertThat(ended.jobs()).isEqualTo(JOBS);
        assertThat(store.unfinished()).isEmpty();
        assertThat(store.find("unknown")).isEmpty();
    }

    /** Claims the next delivery to {@code sink} due at {@code now}, as the outbox does, and acts on it; null when none. */
    Delivery claim(String sink, Instant now, java.util.function.Consumer<OutboxQueue.Claim> act) {
        Delivery[] claimed = new Delivery[1];
        store.outbox().claimNext(sink, now, c -> {
            claimed[0] = c.delivery();
            act.accept(c);
            return false;
        });
        return claimed[0];
    }

    @Test
    void theOutcomeIsQueuedForEverySinkAndAcknowledgedPerSink() {
        store.insert("op-2", "c1", "{}", Instant.now());
        store.end("op-2", "succeeded", OUTCOME, List.of("file", "webhook-1"));
        assertThat(store.outbox().pending("file")).isEqualTo(1);
        assertThat(store.outbox().deliveryResult("op-2", "file")).isEmpty();

        Delivery file = claim("file", Instant.now().plusSeconds(1), OutboxQueue.Claim::delivered);
        assertThat(file.outcomeId()).isEqualTo("op-2");
        assertThat(file.outcome()).isEqualTo(OUTCOME);
        assertThat(file.attempts()).isZero();
        assertThat(store.outbox().deliveryResult("op-2", "file")).contains("delivered");
        assertThat(store.outbox().pending("file")).isZero();
        assertThat(store.outbox().pending("webhook-1")).isEqualTo(1);

        Instant later = Instant.now().plusSeconds(3600);
        assertThat(claim("webhook-1", Instant.now().plusSeconds(1), c -> c.failed(later, "HTTP 503")).sink()).isEqualTo("webhook-1");
        assertThat(claim("file", Instant.now().plusSeconds(1), c -> { })).isNull();
        assertThat(claim("webhook-1", Instant.now().plusSeconds(1), c -> { })).as("backing off").isNull();
        assertThat(claim("file", later.plusSeconds(1), c -> { })).isNull();
        Delivery retried = claim("webhook-1", later.plusSeconds(1), c -> c.finished("refused", "HTTP 400"));
        assertThat(retried.attempts()).isEqualTo(1);

        assertThat(store.outbox().deliveryResult("op-2", "webhook-1")).contains("refused");
        assertThat(store.outbox().pending("webhook-1")).isZero();
        assertThat(claim("webhook-1", later.plusSeconds(2), c -> { })).isNull();
    }

    @Test
    void aClaimHoldsNoConnectionWhileTheSinkIsCalledAndOneLeftWithoutAResultIsDueAgainAtOnce() throws Exception {
        store.insert("op-9", "c1", "{}", Instant.now());
        store.end("op-9", "succeeded", OUTCOME, List.of("webhook-1"));
        long[] during = {-1, -1};

        Delivery sent = claim("webhook-1", Instant.now().plusSeconds(1), c -> {
            during[0] = store.activeConnections();
            during[1] = uncheckedCount("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL AND claimed_until IS NOT NULL");
        });

        assertThat(sent.outcomeId()).isEqualTo("op-9");
        assertThat(during[0]).as("connections of the store held while the sink is called").isZero();
        assertThat(during[1]).as("the claim, recorded meanwhile").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL OR claimed_until IS NOT NULL")).as("released").isZero();
        Delivery again = claim("webhook-1", Instant.now().plusSeconds(1), OutboxQueue.Claim::delivered);
        assertThat(again.attempts()).as("nothing recorded by the first claim").isZero();
        assertThat(store.outbox().deliveryResult("op-9", "webhook-1")).contains("delivered");
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL OR claimed_until IS NOT NULL")).isZero();
    }

    @Test
    void dueDeliveriesAreClaimedOldestFirstPerSink() {
        Instant t0 = Instant.now();
        Map<String, Integer> retryIn = Map.of("a", 3, "b", 1, "c", 2);
        for (String id : List.of("a", "b", "c")) {
            store.insert(id, "c1", "{}", t0);
            store.end(id, "succeeded", OUTCOME, List.of("file"));
        }
        for (int i = 0; i < 3; i++) {
            claim("file", t0.plusSeconds(1), c -> c.failed(t0.plusSeconds(retryIn.get(c.delivery().outcomeId())), "x"));
        }

        List<String> order = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            order.add(claim("file", t0.plusSeconds(10), OutboxQueue.Claim::delivered).outcomeId());
        }
        assertThat(order).containsExactly("b", "c", "a");
        assertThat(claim("webhook-1", t0.plusSeconds(10), c -> { })).as("another sink's").isNull();
    }

    @Test
    void endingAgainQueuesNoSecondDelivery() throws Exception {
        store.insert("op-3", "c1", "{}", Instant.now());
        store.end("op-3", "succeeded", OUTCOME, List.of("file"));
        claim("file", Instant.now().plusSeconds(1), OutboxQueue.Claim::delivered);

        // a resumed run ending it once more
        assertThat(store.end("op-3", "failed", "{\"data\":{\"status\":\"failed\"}}", List.of("file"))).isFalse();

        assertThat(store.find("op-3").orElseThrow().outcome()).as("the first outcome stands").isEqualTo(OUTCOME);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE outcome_id = 'op-3'")).isEqualTo(1);
        assertThat(store.outbox().deliveryResult("op-3", "file")).contains("delivered");
        assertThat(store.outbox().pending("file")).isZero();
    }

    @Test
    void eachStepIsACompareAndSetOnTheStatus() {
        store.insert("op-6", "c1", "{}", Instant.now());
        assertThat(store.running("op-6", 1, JOBS)).as("running before triggering").isFalse();
        assertThat(store.triggering("op-6", 1)).isTrue();
        assertThat(store.running("op-6", 1, JOBS)).isTrue();
        assertThat(store.triggering("op-6", 2)).as("a retry").isTrue();
        assertThat(store.end("op-6", "succeeded", OUTCOME, List.of("file"))).isTrue();

        assertThat(store.triggering("op-6", 3)).as("an ended operation is never triggered again").isFalse();
        assertThat(store.running("op-6", 3, JOBS)).isFalse();
        StoredOperation ended = store.find("op-6").orElseThrow();
        assertThat(ended.status()).isEqualTo("succeeded");
        assertThat(ended.attempts()).isEqualTo(2);
        assertThat(store.triggering("unknown", 1)).isFalse();
    }

    @Test
    void aClusterHasOperationsToTakeUpAndOthersToPickUp() {
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        store.insert("c1-a", "c1", "{}", t0.plusSeconds(2));
        store.insert("c1-b", "c1", "{}", t0.plusSeconds(1));
        store.insert("c1-c", "c1", "{}", t0);
        store.insert("c2-a", "c2", "{}", t0);
        store.triggering("c1-b", 1);
        store.triggering("c1-c", 1);
        store.end("c1-c", "failed", OUTCOME, List.of());

        assertThat(store.unfinished("c1")).extracting(StoredOperation::id).containsExactly("c1-b", "c1-a");
        assertThat(store.accepted("c1")).extracting(StoredOperation::id).containsExactly("c1-a");
        assertThat(store.outcomes(List.of("c1-a", "c1-c", "nope"))).containsOnlyKeys("c1-c");
    }

    @Test
    void aCancelOnRequestIsRecordedByAnyReplicaUntilRefusedAndNeverAfterTheEnd() {
        store.insert("op-7", "c1", "{}", Instant.now());
        store.triggering("op-7", 1);
        store.running("op-7", 1, JOBS);
        assertThat(store.find("op-7").orElseThrow().cancelRequest()).isNull();
        // a replica that does not own c1 (no epoch) records it all the same: any replica takes actions
        var follower = store.repository(List.of(), new Fencing("follower"));

        follower.cancelRequest("op-7", CancelStep.REQUESTED);
        assertThat(store.find("op-7").orElseThrow().cancelRequest()).isEqualTo("requested");
        assertThat(store.cancelRequest("op-7", CancelStep.REFUSED)).as("ONTAP refused it: forgotten").isTrue();
        assertThat(store.find("op-7").orElseThrow().cancelRequest()).isNull();

        assertThat(store.cancelRequest("op-7", CancelStep.REQUESTED)).isTrue();
        assertThat(store.cancelRequest("op-7", CancelStep.ACCEPTED)).isTrue();
        assertThat(store.cancelRequest("op-7", CancelStep.REQUESTED)).as("a second cancel does not undo the first").isFalse();
        assertThat(store.cancelRequest("op-7", CancelStep.REFUSED)).as("nor does its refusal").isFalse();
        assertThat(store.triggering("op-7", 2)).isTrue();
        StoredOperation retried = store.find("op-7").orElseThrow();
        assertThat(retried.cancelRequest()).as("kept by the steps").isEqualTo("accepted");
        assertThat(store.unfinished("c1")).singleElement().extracting(StoredOperation::cancelRequest).isEqualTo("accepted");

        store.end("op-7", "cancelled", OUTCOME, List.of());
        assertThat(store.cancelRequest("op-7", CancelStep.REFUSED)).isFalse();
        store.insert("op-8", "c1", "{}", Instant.now());
        store.end("op-8", "succeeded", OUTCOME, List.of());
        assertThat(store.cancelRequest("op-8", CancelStep.REQUESTED)).as("an ended operation").isFalse();
        assertThat(store.find("op-8").orElseThrow().cancelRequest()).isNull();
        assertThat(store.cancelRequest("unknown", CancelStep.ACCEPTED)).isFalse();
    }

    @Test
    void aDuplicateRequestIdIsNotAcceptedTwice() throws Exception {
        assertThat(store.insert("op-4", "c1", "{\"first\":true}", Instant.now())).isTrue();

        assertThat(store.insert("op-4", "c2", "{\"second\":true}", Instant.now())).isFalse();

        assertThat(store.find("op-4").orElseThrow().cluster()).isEqualTo("c1");
        assertThat(count("SELECT COUNT(*) FROM operation")).isEqualTo(1);
    }

    @Test
    void reopeningKeepsTheStateAndMigratesNothingAgain() throws Exception {
        store.insert("op-5", "c1", "{}", Instant.now());
        store.triggering("op-5", 1);
        store.running("op-5", 1, JOBS);
        List<String> history = history();
        assertThat(history).hasSize(8).allMatch(h -> h.endsWith(" true"));
        store.close();

        store = reopen();

        assertThat(history()).isEqualTo(history);
        assertThat(store.unfinished()).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo("op-5");
            assertThat(s.jobs()).isEqualTo(JOBS);
        });
    }

    @Test
    void theHeartbeatRewritesOneRow() throws Exception {
        store.heartbeat();
        store.heartbeat();

        assertThat(count("SELECT COUNT(*) FROM heartbeat")).isEqualTo(1);
    }

    /** Flyway's record of the migrations applied: version, checksum, success (not its own schema-creation row). */
    List<String> history() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT \"version\", \"checksum\", \"success\" FROM \"flyway_schema_history\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (r.next()) {
                rows.add(r.getString(1) + " " + r.getInt(2) + " " + r.getBoolean(3));
            }
        }
        return rows;
    }

    @Test
    void aBatchWhoseSinkFailsPartWayRecordsWhatWasDeliveredAndLeavesTheRestDue() throws Exception {
        for (int i = 1; i <= 5; i++) {
            store.insert("op-b" + i, "c1", "{}", Instant.now());
            store.end("op-b" + i, "succeeded", OUTCOME, List.of("file"));
        }
        List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.ontapjobs.outbox.Sink failsAtTheThird = (id, outcome) -> {
            sent.add(id);
            return sent.size() <= 2 ? io.ontapjobs.outbox.Sink.Result.DELIVERED : io.ontapjobs.outbox.Sink.Result.retry(null, "disk full");
        };
        io.ontapjobs.outbox.Outbox outbox = new io.ontapjobs.outbox.Outbox(store, Map.of("file", failsAtTheThird),
                java.time.Duration.ofHours(1), java.nio.file.Files.createTempDirectory("dead"), io.ontapjobs.metrics.OntapMetrics.NONE);

        outbox.deliverDue("file");

        assertThat(sent).as("one batch: sent in order until the sink failed, the rest not tried").hasSize(3);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE result = 'delivered' AND delivered_at IS NOT NULL AND attempts = 1"))
                .as("what was delivered is recorded").isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NULL AND attempts = 1 AND last_error = 'disk full'"))
                .as("the failed one, backing off").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NULL AND attempts = 0 AND last_error IS NULL"))
                .as("the rest, untouched").isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL OR claimed_until IS NOT NULL"))
                .as("every claim of the batch released").isZero();
        try (OutboxQueue.Batch due = store.outbox().claimBatch("file", Instant.now(), java.time.Duration.ofSeconds(30), 10)) {
            assertThat(due.claims()).as("due again at once: the two not tried").extracting(c -> c.delivery().outcomeId())
                    .hasSize(2).doesNotContainAnyElementsOf(sent);
        }
    }

    @Test
    void aBatchIsClaimedAndRecordedTogetherAndAClaimOfItIsNotTakenByAnotherBatch() throws Exception {
        for (int i = 1; i <= 5; i++) {
            store.insert("op-c" + i, "c1", "{}", Instant.now());
            store.end("op-c" + i, "succeeded", "{\"id\":\"op-c" + i + "\"}", List.of("file"));
        }
        java.time.Duration lease = java.time.Duration.ofSeconds(30);
        OutboxQueue.Batch first = store.outbox().claimBatch("file", Instant.now(), lease, 3);
        assertThat(first.claims()).extracting(c -> c.delivery().outcomeId()).as("oldest first").containsExactly("op-c1", "op-c2", "op-c3");
        assertThat(first.claims().get(1).delivery().outcome()).isEqualTo("{\"id\":\"op-c2\"}");
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL")).isEqualTo(3);
        try (OutboxQueue.Batch second = store.outbox().claimBatch("file", Instant.now(), lease, 10)) {
            assertThat(second.claims()).extracting(c -> c.delivery().outcomeId()).containsExactly("op-c4", "op-c5");
            second.claims().forEach(OutboxQueue.Claim::delivered);
        }
        first.claims().get(0).delivered();
        first.claims().get(1).failed(Instant.now().plusSeconds(3600), "HTTP 503");
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NOT NULL")).as("noted, not yet written").isEqualTo(2);

        assertThat(first.record()).as("nothing lapsed").isEmpty();

        assertThat(count("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NOT NULL")).isEqualTo(3);
        assertThat(store.outbox().deliveryResult("op-c1", "file")).contains("delivered");
        assertThat(store.outbox().deliveryResult("op-c2", "file")).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE claimed_by IS NOT NULL OR claimed_until IS NOT NULL")).isZero();
        assertThat(claim("file", Instant.now().plusSeconds(1), OutboxQueue.Claim::delivered).outcomeId())
                .as("the one left without a result: released, due at once").isEqualTo("op-c3");
        assertThat(first.record()).as("recorded once").isEmpty();
    }

    long uncheckedCount(String sql) {
        try {
            return count(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}

package io.ontapjobs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.operation.OwnershipLostException;
import io.ontapjobs.operation.StoredOperation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fencing on a real PostgreSQL server: two replicas' store handles on one database, each claiming a cluster in turn.
 * The one whose epoch was superseded (a replica paused past its lease) can neither trigger nor end an operation, and
 * an ended operation is never ended again.
 */
class PostgresFencingTest {
    static final List<String> SINKS = List.of("file", "webhook-1");
    PostgresServer.Database db;
    OperationStore a;
    OperationStore b;
    Fencing replicaA = new Fencing("replica-a");
    Fencing replicaB = new Fencing("replica-b");
    OperationRepository ra;
    OperationRepository rb;

    @BeforeEach
    void open() {
        db = PostgresServer.newDatabase();
        a = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        b = OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
        ra = a.repository(SINKS, replicaA);
        rb = b.repository(SINKS, replicaB);
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    @Test
    void theStaleOwnerCanNeitherTriggerNorEndAndTheNewOneEndsOnce() throws Exception {
        assertThat(rb.insert("op-1", "c1", "{}", Instant.now())).as("any replica records a request").isTrue();
        assertThat(a.epochs().claim("c1", replicaA)).isEqualTo(1);
        ra.triggering("op-1", 1);
        assertThat(row("op-1")).isEqualTo("triggering replica-a 1");

        assertThat(b.epochs().claim("c1", replicaB)).as("takeover").isEqualTo(2);

        assertThatThrownBy(() -> ra.running("op-1", 1, "[\"j1\"]")).isInstanceOf(OwnershipLostException.class)
                .hasMessageContaining("newer owner (replica-b, epoch 2)");
        assertThat(replicaA.epoch("c1")).as("the stale replica knows it lost the cluster").isNull();
        assertThatThrownBy(() -> ra.triggering("op-1", 2)).isInstanceOf(OwnershipLostException.class)
                .hasMessageContaining("not owned by replica-a");
        assertThatThrownBy(() -> ra.end("op-1", "lost", "{\"by\":\"a\"}")).isInstanceOf(OwnershipLostException.class);
        assertThat(row("op-1")).as("nothing the stale owner tried was written").isEqualTo("triggering replica-a 1");

        rb.end("op-1", "succeeded", "{\"by\":\"b\"}");
        assertThatThrownBy(() -> rb.end("op-1", "failed", "{\"by\":\"b again\"}")).isInstanceOf(OwnershipLostException.class)
                .hasMessageContaining("ended already");
        assertThat(row("op-1")).isEqualTo("succeeded replica-b 2");
        assertThat(a.find("op-1").map(StoredOperation::outcome)).contains("{\"by\":\"b\"}");
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE outcome_id = 'op-1'")).as("one delivery per sink").isEqualTo(2);
    }

    @Test
    void aReplicaThatNeverClaimedRecordsNoStep() {
        ra.insert("op-2", "c1", "{}", Instant.now());
        b.epochs().claim("c1", replicaB);

        assertThatThrownBy(() -> ra.triggering("op-2", 1)).isInstanceOf(OwnershipLostException.class);
        assertThat(a.find("op-2").orElseThrow().status()).isEqualTo("accepted");
        rb.triggering("op-2", 1);
        assertThat(a.find("op-2").orElseThrow().status()).isEqualTo("triggering");
    }

    @Test
    void aClaimWaitsForAStepOfTheOldEpochThatIsBeingRecorded() throws Exception {
        a.epochs().claim("c1", replicaA);
        try (Connection step = db.connect()) {
            // a step of epoch 1 in flight: it has read its epoch, as the store does, and not yet committed
            step.setAutoCommit(false);
            try (Statement s = step.createStatement()) {
                s.executeQuery("SELECT epoch FROM cluster_owner WHERE cluster = 'c1' FOR SHARE").close();
            }
            CompletableFuture<Long> claim = CompletableFuture.supplyAsync(() -> b.epochs().claim("c1", replicaB));
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnALock() == 1);
            assertThat(claim).isNotDone();

            step.commit();

            assertThat(claim.get()).isEqualTo(2);
        }
    }

    private long waitingOnALock() throws SQLException {
        return count("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    }

    private String row(String id) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("SELECT status, owner, epoch FROM operation WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getString(1) + " " + r.getString(2) + " " + r.getLong(3);
            }
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}

package io.ontapjobs.store;

import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.operation.OperationRepository.CancelStep;
import io.ontapjobs.operation.OperationState;
import io.ontapjobs.operation.OwnershipLostException;
import io.ontapjobs.operation.StoredOperation;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Durable operation state, in a real database: H2 in file mode under {@code ontap.state.dir} by default, or H2 or
 * PostgreSQL at a JDBC URL ({@link Database}: the pool and the schema, migrated by Flyway). The store is in parts
 * that share the database: the operations' steps (here), the clusters' ownership epochs ({@link #epochs()}) and the
 * outcome outbox ({@link #outbox()}).
 *
 * <p>An operation is inserted before it is triggered (its id is the primary key: a second insert of the same id
 * fails, so nothing is triggered twice), marked {@code triggering} before each attempt, {@code running} with its
 * job UUIDs as soon as the cluster answers, and ended with its outcome in the same transaction that queues one
 * delivery per sink. Each step is a compare-and-set on the status words of {@link OperationState} (the outcome's
 * word, one of {@link io.ontapjobs.outcome.OutcomeStatus}, once ended).
 */
public final class OperationStore implements AutoCloseable {
    /** The embedded database's base name: {@code <dir>/ontap-jobs.mv.db} (and H2's trace or lock files beside it). */
    public static final String EMBEDDED_NAME = "ontap-jobs";
    /** The stored words of the states before an outcome as an SQL list of literals: constants of the code, never input. */
    private static final String IN_FLIGHT_WORDS = String.join(", ", OperationState.IN_FLIGHT.stream().map(s -> "'" + s.word() + "'").toList());

    private final Database db;
    private final OwnershipEpochs epochs;
    private final OutboxQueue outbox;

    private OperationStore(Database db) {
        this.db = db;
        this.epochs = new OwnershipEpochs(db);
        this.outbox = new OutboxQueue(db);
    }

    /**
     * The store the configuration asks for: {@code ontap.state.jdbc-url} (with {@code .user}, {@code .password}), else
     * H2 in {@code ontap.state.dir} (made private: request bodies are stored in plain text), else none (null).
     */
    public static OperationStore configured(java.util.function.Function<String, Optional<String>> property) {
        Database db = Database.configured(property, EMBEDDED_NAME);
        return db == null ? null : new OperationStore(db);
    }

    /** The embedded default: an H2 database file in {@code dir}. */
    public static OperationStore embedded(Path dir) {
        return new OperationStore(Database.embedded(dir, EMBEDDED_NAME));
    }

    /**
     * A database at a JDBC URL (H2 or PostgreSQL); fails at once if it cannot be reached or logged into. Neither the
     * URL nor the password is put into an exception: drivers' own messages name the host and user, not the password.
     */
    public static OperationStore open(String jdbcUrl, String user, String password) {
        return new OperationStore(Database.open(jdbcUrl, user, password, false));
    }

    /** The clusters' ownership epochs, for replicas sharing this database (fencing). */
    public OwnershipEpochs epochs() {
        return epochs;
    }

    /** The EMS consumers' bookmarks in this store; with {@code fencing} (a replica), saved only under the current epoch. */
    public StoreEventBookmarks eventBookmarks(Fencing fencing) {
        return new StoreEventBookmarks(db, fencing);
    }

    /** The outcome outbox: deliveries per sink, claimed and acknowledged in batches (or one at a time). */
    public OutboxQueue outbox() {
        return outbox;
    }

    /**
     * The component's view of this store: each step recorded here, and an ended operation's outcome queued for
     * {@code sinks} in the same transaction (the outbox). One process: it records any operation's steps.
     */
    public OperationRepository repository(List<String> sinks) {
        return repository(sinks, null);
    }

    /**
     * As {@link #repository(List)}, for one of several replicas: a step of an operation is recorded only while the
     * replica holds the current epoch of the operation's cluster ({@code fencing}); otherwise, or when the operation
     * is no longer in the state the step expects (ended by another), it throws {@link OwnershipLostException} and
     * nothing is written.
     */
    public OperationRepository repository(List<String> sinks, Fencing fencing) {
        return new StoreRepository(this, List.copyOf(sinks), fencing);
    }

    /** What a step writes besides the operation's row, in its transaction (an end's deliveries). */
    @FunctionalInterface
    private interface AlsoWrite {
        void write(Connection c, Timestamp now) throws SQLException;
    }

    /**
     * Records one step of an operation as a compare-and-set: {@code UPDATE operation SET <set>} only from one of the
     * {@code expected} statuses and, for a replica ({@code fencing} not null), only while it holds the current epoch of
     * the operation's cluster. {@code set} ends with {@code updated_at = ?}, bound to the step's time.
     *
     * @return false when the operation is not in an expected status (nothing is written)
     * @throws OwnershipLostException when the replica does not hold the current epoch (nothing is written)
     */
    private boolean step(String id, String step, Fencing fencing, List<OperationState> expected, String set, List<Object> args, AlsoWrite also) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                Long epoch = fencing == null ? null : epochs.check(c, id, step, fencing);
                String sql = "UPDATE operation SET " + set + (epoch == null ? "" : ", owner = ?, epoch = ?")
                        + " WHERE id = ? AND status IN (" + Database.placeholders(expected.size()) + ")";
                Timestamp now = Timestamp.from(Instant.now());
                int updated;
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    int i = 0;
                    for (Object arg : args) {
                        s.setObject(++i, arg);
                    }
                    s.setTimestamp(++i, now);
                    if (epoch != null) {
                        s.setString(++i, fencing.replica());
                        s.setLong(++i, epoch);
                    }
                    s.setString(++i, id);
                    for (OperationState status : expected) {
                        s.setString(++i, status.word());
                    }
                    updated = s.executeUpdate();
                }
                if (updated == 1 && also != null) {
                    also.write(c, now);
                }
                c.commit();
                return updated == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot record step " + step + " of operation " + id, e);
        }
    }

    /** @return false when an operation with this id exists already (nothing is written then) */
    public boolean insert(String id, String cluster, String requestJson, Instant now) {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("INSERT INTO operation (id, cluster, request, status, accepted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, cluster);
            s.setString(3, requestJson);
            s.setString(4, OperationState.ACCEPTED.word());
            s.setTimestamp(5, Timestamp.from(now));
            s.setTimestamp(6, Timestamp.from(now));
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) { // unique violation: seen before
                return false;
            }
            throw new StoreException("cannot record operation " + id, e);
        }
    }

    /**
     * Before a trigger is sent: if the process dies now, the trigger may or may not have reached the cluster.
     *
     * @return false when the operation has ended (nothing is written)
     */
    public boolean triggering(String id, int attempt) {
        return triggering(id, attempt, null);
    }

    boolean triggering(String id, int attempt, Fencing fencing) {
        return step(id, "triggering", fencing, OperationState.IN_FLIGHT, "status = ?, attempts = ?, updated_at = ?",
                List.of(OperationState.TRIGGERING.word(), attempt), null);
    }

    /**
     * As soon as the cluster answered with job(s).
     *
     * @return false when the operation is not being triggered (nothing is written)
     */
    public boolean running(String id, int attempts, String jobsJson) {
        return running(id, attempts, jobsJson, null);
    }

    boolean running(String id, int attempts, String jobsJson, Fencing fencing) {
        return step(id, "running", fencing, List.of(OperationState.TRIGGERING), "status = ?, attempts = ?, jobs = ?, updated_at = ?",
                java.util.Arrays.asList(OperationState.RUNNING.word(), attempts, jobsJson), null);
    }

    /**
     * Ends the operation and queues its outcome for every sink, in one transaction (the outbox). An ended operation is
     * never ended again: its outcome stands, and no second delivery is queued.
     *
     * @return false when the operation had ended already (nothing is written)
     */
    public boolean end(String id, String status, String outcomeJson, List<String> sinks) {
        return end(id, status, outcomeJson, sinks, null);
    }

    boolean end(String id, String status, String outcomeJson, List<String> sinks, Fencing fencing) {
        // the outcome and its deliveries are already one transaction: a crash leaves both or neither
        boolean ended = step(id, "end", fencing, OperationState.IN_FLIGHT, "status = ?, outcome = ?, updated_at = ?",
                List.of(status, outcomeJson), (c, now) -> outbox.queue(c, id, sinks, now));
        if (ended && !sinks.isEmpty()) {
            outbox.queued(); // committed: the outbox may deliver it now rather than at its next poll
        }
        return ended;
    }

    /**
     * Records a cancel asked for on request, by whichever replica took it ({@link OperationRepository#cancelRequest}):
     * {@code requested} (unless accepted already), {@code accepted}, or none again after a refusal of a requested one.
     * Only an unfinished operation's is written; the step's time ({@code updated_at}) is left as it is.
     *
     * @return false when nothing was written (unknown, ended, or a refusal after an accepted cancel)
     */
    public boolean cancelRequest(String id, OperationRepository.CancelStep step) {
        String sql = switch (step) {
            case REQUESTED -> "UPDATE operation SET cancel_request = ? WHERE id = ? AND cancel_request IS NULL";
            case ACCEPTED -> "UPDATE operation SET cancel_request = ? WHERE id = ?";
            case REFUSED -> "UPDATE operation SET cancel_request = NULL WHERE id = ? AND cancel_request = ?";
        } + " AND status IN (" + IN_FLIGHT_WORDS + ")";
        Object[] args = step == CancelStep.REFUSED ? new Object[] {id, stored(CancelStep.REQUESTED)} : new Object[] {stored(step), id};
        try {
            return db.update(sql, args) == 1;
        } catch (StoreException e) {
            throw new StoreException("cannot record the cancel of operation " + id, e.getCause() instanceof SQLException q ? q : e);
        }
    }

    /** A cancel's stored word: requested or accepted. */
    private static String stored(CancelStep step) {
        return step.name().toLowerCase(Locale.ROOT);
    }

    public Optional<StoredOperation> find(String id) {
        List<StoredOperation> found = query("SELECT * FROM operation WHERE id = ?", id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Operations a previous run left unfinished, oldest first. */
    public List<StoredOperation> unfinished() {
        return query("SELECT * FROM operation WHERE status IN (" + IN_FLIGHT_WORDS + ") ORDER BY accepted_at");
    }

    /** A cluster's unfinished operations, oldest first: what a replica that gains the cluster takes up. */
    public List<StoredOperation> unfinished(String cluster) {
        return query("SELECT * FROM operation WHERE cluster = ? AND status IN (" + IN_FLIGHT_WORDS + ") ORDER BY accepted_at", cluster);
    }

    /** A cluster's operations recorded and not yet sent, oldest first: what its owner picks up as other replicas accept them. */
    public List<StoredOperation> accepted(String cluster) {
        return query("SELECT * FROM operation WHERE cluster = ? AND status = ? ORDER BY accepted_at", cluster, OperationState.ACCEPTED.word());
    }

    /** The latest operations, newest first, at most {@code limit}. */
    public List<StoredOperation> recent(int limit) {
        return query("SELECT * FROM operation ORDER BY accepted_at DESC LIMIT ?", limit);
    }

    /** The stored outcomes (CloudEvents JSON) of those of {@code ids} that have ended, by id. */
    public java.util.Map<String, String> outcomes(java.util.Collection<String> ids) {
        java.util.Map<String, String> ended = new java.util.HashMap<>();
        List<String> all = List.copyOf(ids);
        for (int from = 0; from < all.size(); from += 100) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 100));
            String sql = "SELECT id, outcome FROM operation WHERE outcome IS NOT NULL AND id IN ("
                    + Database.placeholders(chunk.size()) + ")";
            try (Connection c = db.connection(); PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    s.setString(i + 1, chunk.get(i));
                }
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        ended.put(r.getString(1), r.getString(2));
                    }
                }
            } catch (SQLException e) {
                throw new StoreException("cannot read the store", e);
            }
        }
        return ended;
    }

    /** Writes one row: the store is writable. */
    public void heartbeat() {
        db.heartbeat();
    }

    /** Connections of the store's pool lent out right now (none while nothing is being read or written). */
    public int activeConnections() {
        return db.activeConnections();
    }

    private List<StoredOperation> query(String sql, Object... args) {
        List<StoredOperation> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new StoredOperation(r.getString("id"), r.getString("cluster"), r.getString("request"), r.getString("status"),
                            r.getInt("attempts"), r.getString("jobs"), r.getTimestamp("accepted_at").toInstant(), r.getString("outcome"),
                            r.getString("cancel_request")));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read the store", e);
        }
    }

    @Override
    public void close() {
        db.close();
    }
}

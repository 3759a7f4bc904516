package io.ontapjobs.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.operation.OwnershipLostException;
import io.ontapjobs.operation.StoredOperation;
import org.flywaydb.core.Flyway;

/**
 * Durable operation state and the outcome outbox, in a real database: H2 in file mode under
 * {@code ontap.state.dir} by default, or H2 or PostgreSQL at a JDBC URL. The schema is created and migrated by Flyway.
 *
 * <p>An operation is inserted before it is triggered (its id is the primary key: a second insert of the same id
 * fails, so nothing is triggered twice), marked {@code triggering} before each attempt, {@code running} with its
 * job UUIDs as soon as the cluster answers, and ended with its outcome in the same transaction that queues one
 * delivery per sink.
 */
public final class OperationStore implements AutoCloseable {
    public static final List<String> UNFINISHED = List.of("accepted", "triggering", "running");
    /** The longest a step's transaction may wait for its own process between two statements (PostgreSQL). */
    static final long STEP_IDLE_LIMIT_MS = 5000;
    /** The embedded database's base name: {@code <dir>/ontap-jobs.mv.db} (and H2's trace or lock files beside it). */
    public static final String EMBEDDED_NAME = "ontap-jobs";

    private final HikariDataSource dataSource;
    private final Dialect dialect;

    /** The SQL that differs between the databases supported: the schema's migrations and the upserts. */
    enum Dialect {
        // H2's migrations stay where they were first released: existing databases' Flyway checksums must still match
        // H2 is one process's (high availability refuses it): no claim needs to skip another's lock
        H2("classpath:db/migration",
                "MERGE INTO delivery (outcome_id, sink, next_attempt_at) KEY (outcome_id, sink) VALUES (?, ?, ?)",
                "MERGE INTO heartbeat (id, beat_at) KEY (id) VALUES (1, ?)", " FOR UPDATE", "", null),
        // ON CONFLICT rather than MERGE: PostgreSQL has MERGE only from 15 on
        POSTGRESQL("classpath:db/postgresql",
                "INSERT INTO delivery (outcome_id, sink, next_attempt_at) VALUES (?, ?, ?) "
                        + "ON CONFLICT (outcome_id, sink) DO UPDATE SET next_attempt_at = EXCLUDED.next_attempt_at",
                "INSERT INTO heartbeat (id, beat_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at",
                // a step's check of the epoch: many at once, while a claim (an UPDATE) waits for them all to commit
                " FOR SHARE",
                // a delivery being delivered stays locked until its result is written; other replicas pass it by
                " FOR UPDATE OF d SKIP LOCKED",
                // a replica paused inside a step (SIGSTOP, a frozen VM) would hold its epoch lock, and so stall the claim
                // of a new owner, for as long as it sleeps: its session is ended instead, and the step fails
                "SET LOCAL idle_in_transaction_session_timeout = '" + STEP_IDLE_LIMIT_MS + "ms'");

        final String migrations;
        final String queueDelivery;
        final String beat;
        final String epochLock;
        final String claimDelivery;
        final String stepLimit;

        Dialect(String migrations, String queueDelivery, String beat, String epochLock, String claimDelivery, String stepLimit) {
            this.migrations = migrations;
            this.queueDelivery = queueDelivery;
            this.beat = beat;
            this.epochLock = epochLock;
            this.claimDelivery = claimDelivery;
            this.stepLimit = stepLimit;
        }

        static Dialect of(String databaseProductName) {
            return switch (databaseProductName) {
                case "H2" -> H2;
                case "PostgreSQL" -> POSTGRESQL;
                default -> throw new IllegalArgumentException(databaseProductName + " is not supported (H2 or PostgreSQL)");
            };
        }
    }

    private OperationStore(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        try {
            try (Connection c = dataSource.getConnection()) {
                this.dialect = Dialect.of(c.getMetaData().getDatabaseProductName());
            }
            Flyway.configure().dataSource(dataSource).locations(dialect.migrations).load().migrate();
        } catch (SQLException | RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot open the store", e);
        }
    }

    /**
     * The store the configuration asks for: {@code ontap.state.jdbc-url} (with {@code .user}, {@code .password}), else
     * H2 in {@code ontap.state.dir} (made private: request bodies are stored in plain text), else none (null).
     */
    public static OperationStore configured(java.util.function.Function<String, Optional<String>> property) {
        Optional<String> url = property.apply("ontap.state.jdbc-url").filter(u -> !u.isBlank());
        if (url.isPresent()) {
            return open(url.get(), property.apply("ontap.state.user").orElse(""), property.apply("ontap.state.password").orElse(""));
        }
        Optional<String> dir = property.apply("ontap.state.dir").filter(d -> !d.isBlank());
        if (dir.isEmpty()) {
            return null;
        }
        Path state = Path.of(dir.get());
        io.ontapjobs.files.FileModes.privateDirectory(state, "State directory");
        OperationStore embedded = embedded(state);
        // H2 makes its files under the umask: 0600 for those present now; the 0700 folder keeps others away from
        // them meanwhile and from any it makes later (a trace file)
        io.ontapjobs.files.FileModes.tightenFiles(state, EMBEDDED_NAME + ".*");
        return embedded;
    }

    /** The embedded default: an H2 database file in {@code dir}. */
    public static OperationStore embedded(Path dir) {
        // WRITE_DELAY=0: a commit reaches the file before it returns, so a killed process loses no recorded step
        return open("jdbc:h2:file:" + dir.toAbsolutePath().resolve(EMBEDDED_NAME) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0", "sa", "", true);
    }

    /**
     * A database at a JDBC URL (H2 or PostgreSQL); fails at once if it cannot be reached or logged into. Neither the
     * URL nor the password is put into an exception: drivers' own messages name the host and user, not the password.
     */
    public static OperationStore open(String jdbcUrl, String user, String password) {
        return open(jdbcUrl, user, password, false);
    }

    private static OperationStore open(String jdbcUrl, String user, String password, boolean inProcess) {
        HikariConfig config = new HikariConfig();
        if (inProcess) {
            // no server to drop a connection, and retiring the last one would close and reopen the database file
            config.setMaxLifetime(0);
        }
        config.setPoolName("ontap-store");
        config.setJdbcUrl(jdbcUrl);
        // blank is "not given": credentials in the URL itself (PostgreSQL's ?user=&password=) then apply
        config.setUsername(user == null || user.isBlank() ? null : user);
        config.setPassword(password == null || password.isEmpty() ? null : password);
        config.setMaximumPoolSize(10);
        config.setMinimumIdle(1); // a few statements per operation step: no need to hold ten connections open
        try {
            DriverManager.getDriver(jdbcUrl);
        } catch (SQLException e) {
            throw new StoreException("no JDBC driver for this URL (H2 and PostgreSQL are supported)", e);
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config); // connects once here (Hikari's fail-fast start)
        } catch (RuntimeException e) {
            // the driver's message says what went wrong (refused, authentication failed), never the password;
            // its cause may say more (PostgreSQL: "The connection attempt failed." for an unknown host)
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            Throwable root = cause;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String why = root == cause ? "" : " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
            throw new StoreException("cannot connect to the store", new SQLException(cause.getMessage() + why, cause));
        }
        return new OperationStore(dataSource);
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
        List<String> to = List.copyOf(sinks);
        OperationStore store = this;
        return new OperationRepository() {
            @Override
            public boolean insert(String id, String cluster, String requestJson, Instant acceptedAt) {
                return store.insert(id, cluster, requestJson, acceptedAt);
            }

            @Override
            public void triggering(String id, int attempt) {
                if (!store.triggering(id, attempt, fencing)) {
                    throw new OwnershipLostException("operation " + id + " has ended already: not triggered again");
                }
            }

            @Override
            public void running(String id, int attempts, String jobsJson) {
                if (!store.running(id, attempts, jobsJson, fencing)) {
                    throw new OwnershipLostException("operation " + id + " is no longer being triggered here (ended or taken over)");
                }
            }

            @Override
            public void end(String id, String status, String outcomeJson) {
                if (!store.end(id, status, outcomeJson, to, fencing)) {
                    throw new OwnershipLostException("operation " + id + " has ended already: its outcome stands");
                }
            }

            @Override
            public Optional<StoredOperation> find(String id) {
                return store.find(id);
            }

            @Override
            public List<StoredOperation> unfinished() {
                return store.unfinished();
            }

            @Override
            public List<StoredOperation> unfinished(String cluster) {
                return store.unfinished(cluster);
            }

            @Override
            public List<StoredOperation> accepted(String cluster) {
                return store.accepted(cluster);
            }

            @Override
            public List<StoredOperation> recent(int limit) {
                return store.recent(limit);
            }

            // not fenced: any replica records a cancel it was asked for, the owner reads it
            @Override
            public void cancelRequest(String id, CancelStep step) {
                store.cancelRequest(id, step);
            }
        };
    }

    /**
     * Makes {@code fencing}'s replica the owner of {@code cluster} with a new epoch, higher than any before: from the
     * commit on, steps recorded under an older epoch are refused. Waits for steps being recorded under the old epoch
     * to commit, so that what the new owner reads next includes them.
     *
     * @return the new epoch
     */
    public long claim(String cluster, Fencing fencing) {
        for (int tries = 0; ; tries++) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    long epoch;
                    try (PreparedStatement s = c.prepareStatement("SELECT epoch FROM cluster_owner WHERE cluster = ? FOR UPDATE")) {
                        s.setString(1, cluster);
                        try (ResultSet r = s.executeQuery()) {
                            epoch = r.next() ? r.getLong(1) + 1 : 1;
                        }
                    }
                    String sql = epoch == 1 ? "INSERT INTO cluster_owner (owner, epoch, since, cluster) VALUES (?, ?, ?, ?)"
                            : "UPDATE cluster_owner SET owner = ?, epoch = ?, since = ? WHERE cluster = ?";
                    try (PreparedStatement s = c.prepareStatement(sql)) {
                        s.setString(1, fencing.replica());
                        s.setLong(2, epoch);
                        s.setTimestamp(3, Timestamp.from(Instant.now()));
                        s.setString(4, cluster);
                        s.executeUpdate();
                    }
                    c.commit();
                    fencing.hold(cluster, epoch);
                    return epoch;
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState()) && tries < 3) {
                    continue; // two first claims at once: the other inserted the row; claim again, after it
                }
                throw new StoreException("cannot claim cluster " + cluster, e);
            }
        }
    }

    /** Who owns the cluster, with which epoch, since when; empty when no replica ever claimed it. */
    public Optional<Owner> owner(String cluster) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT owner, epoch, since FROM cluster_owner WHERE cluster = ?")) {
            s.setString(1, cluster);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new Owner(cluster, r.getString(1), r.getLong(2), r.getTimestamp(3).toInstant())) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the owner of cluster " + cluster, e);
        }
    }

    /** A cluster's owner as the database records it. */
    public record Owner(String cluster, String replica, long epoch, Instant since) {
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
    private boolean step(String id, String step, Fencing fencing, List<String> expected, String set, List<Object> args, AlsoWrite also) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (fencing != null && dialect.stepLimit != null) {
                    try (java.sql.Statement limit = c.createStatement()) {
                        limit.execute(dialect.stepLimit);
                    }
                }
                Long epoch = fencing == null ? null : checkEpoch(c, id, step, fencing);
                String sql = "UPDATE operation SET " + set + (epoch == null ? "" : ", owner = ?, epoch = ?")
                        + " WHERE id = ? AND status IN (" + String.join(", ", expected.stream().map(e -> "?").toList()) + ")";
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
                    for (String status : expected) {
                        s.setString(++i, status);
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

    /**
     * The epoch {@code fencing} holds for the operation's cluster, if it is the current one: read with a lock that a
     * claim waits for, so that no step of an old epoch commits after a newer claim.
     *
     * @throws OwnershipLostException when the replica holds no epoch for it, or an older one than the database's
     */
    private Long checkEpoch(Connection c, String id, String step, Fencing fencing) throws SQLException {
        String cluster;
        try (PreparedStatement s = c.prepareStatement("SELECT cluster FROM operation WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new OwnershipLostException("operation " + id + " is not in the store");
                }
                cluster = r.getString(1);
            }
        }
        Long held = fencing.epoch(cluster);
        if (held == null) {
            throw new OwnershipLostException("cluster " + cluster + " is not owned by " + fencing.replica()
                    + ": step " + step + " of operation " + id + " not recorded");
        }
        try (PreparedStatement s = c.prepareStatement("SELECT epoch, owner FROM cluster_owner WHERE cluster = ?" + dialect.epochLock)) {
            s.setString(1, cluster);
            try (ResultSet r = s.executeQuery()) {
                long current = r.next() ? r.getLong(1) : 0;
                if (current != held) {
                    fencing.superseded(cluster, held);
                    throw new OwnershipLostException("cluster " + cluster + " has a newer owner (" + (current == 0 ? "none"
                            : r.getString(2) + ", epoch " + current) + ") than " + fencing.replica() + " (epoch " + held
                            + "): step " + step + " of operation " + id + " not recorded");
                }
            }
        }
        return held;
    }

    /** A delivery that is due; {@code firstAttempt} is when it was queued (the outcome's end). */
    public record Delivery(String outcomeId, String sink, int attempts, String outcome, Instant queuedAt) {
    }

    /** @return false when an operation with this id exists already (nothing is written then) */
    public boolean insert(String id, String cluster, String requestJson, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO operation (id, cluster, request, status, accepted_at, updated_at) VALUES (?, ?, ?, 'accepted', ?, ?)")) {
            s.setString(1, id);
            s.setString(2, cluster);
            s.setString(3, requestJson);
            s.setTimestamp(4, Timestamp.from(now));
            s.setTimestamp(5, Timestamp.from(now));
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

    private boolean triggering(String id, int attempt, Fencing fencing) {
        return step(id, "triggering", fencing, UNFINISHED, "status = 'triggering', attempts = ?, updated_at = ?", List.of(attempt), null);
    }

    /**
     * As soon as the cluster answered with job(s).
     *
     * @return false when the operation is not being triggered (nothing is written)
     */
    public boolean running(String id, int attempts, String jobsJson) {
        return running(id, attempts, jobsJson, null);
    }

    private boolean running(String id, int attempts, String jobsJson, Fencing fencing) {
        return step(id, "running", fencing, List.of("triggering"), "status = 'running', attempts = ?, jobs = ?, updated_at = ?",
                java.util.Arrays.asList(attempts, jobsJson), null);
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

    private boolean end(String id, String status, String outcomeJson, List<String> sinks, Fencing fencing) {
        return step(id, "end", fencing, UNFINISHED, "status = ?, outcome = ?, updated_at = ?", List.of(status, outcomeJson), (c, now) -> {
            try (PreparedStatement d = c.prepareStatement(dialect.queueDelivery)) {
                for (String sink : sinks) {
                    d.setString(1, id);
                    d.setString(2, sink);
                    d.setTimestamp(3, now);
                    d.addBatch();
                }
                d.executeBatch();
            }
        });
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
            case REQUESTED -> "UPDATE operation SET cancel_request = 'requested' WHERE id = ? AND cancel_request IS NULL";
            case ACCEPTED -> "UPDATE operation SET cancel_request = 'accepted' WHERE id = ?";
            case REFUSED -> "UPDATE operation SET cancel_request = NULL WHERE id = ? AND cancel_request = 'requested'";
        } + " AND status IN ('accepted', 'triggering', 'running')";
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, id);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("cannot record the cancel of operation " + id, e);
        }
    }

    public Optional<StoredOperation> find(String id) {
        List<StoredOperation> found = query("SELECT * FROM operation WHERE id = ?", id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Operations a previous run left unfinished, oldest first. */
    public List<StoredOperation> unfinished() {
        return query("SELECT * FROM operation WHERE status IN ('accepted', 'triggering', 'running') ORDER BY accepted_at");
    }

    /** A cluster's unfinished operations, oldest first: what a replica that gains the cluster takes up. */
    public List<StoredOperation> unfinished(String cluster) {
        return query("SELECT * FROM operation WHERE cluster = ? AND status IN ('accepted', 'triggering', 'running') ORDER BY accepted_at", cluster);
    }

    /** A cluster's operations recorded and not yet sent, oldest first: what its owner picks up as other replicas accept them. */
    public List<StoredOperation> accepted(String cluster) {
        return query("SELECT * FROM operation WHERE cluster = ? AND status = 'accepted' ORDER BY accepted_at", cluster);
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
                    + String.join(", ", chunk.stream().map(x -> "?").toList()) + ")";
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
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

    /** A due delivery claimed by this process until its result, written in the claim's own transaction, is committed. */
    public interface Claim {
        Delivery delivery();

        void delivered();

        /** Done without success: refused by the sink, or dead-lettered; the reason is kept. */
        void finished(String result, String error);

        void failed(Instant nextAttempt, String error);
    }

    /**
     * Claims the oldest delivery to {@code sink} due at {@code now} and hands it to {@code handler}, which delivers it
     * and writes its result through the claim. On PostgreSQL the row stays locked until then and other replicas skip
     * it ({@code FOR UPDATE SKIP LOCKED}), so that two replicas never deliver the same outcome to the same sink; a
     * replica that dies meanwhile drops its lock with its connection, and another delivers it.
     *
     * @return true when a delivery was claimed and the handler asks for the next one
     */
    public boolean claimNext(String sink, Instant now, java.util.function.Predicate<Claim> handler) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Delivery d;
                String outcomeId;
                int attempts;
                // the delivery row alone, by its index: joining the outcome here made the database copy every due
                // outcome (a LOB) to sort them, once per claim — quadratic with thousands waiting
                try (PreparedStatement s = c.prepareStatement("SELECT d.outcome_id, d.attempts FROM delivery d"
                        + " WHERE d.sink = ? AND d.delivered_at IS NULL AND d.next_attempt_at <= ?"
                        + " ORDER BY d.next_attempt_at LIMIT 1" + dialect.claimDelivery)) {
                    s.setString(1, sink);
                    s.setTimestamp(2, Timestamp.from(now));
                    try (ResultSet r = s.executeQuery()) {
                        if (!r.next()) {
                            c.commit();
                            return false;
                        }
                        outcomeId = r.getString(1);
                        attempts = r.getInt(2);
                    }
                }
                try (PreparedStatement s = c.prepareStatement("SELECT outcome, updated_at FROM operation WHERE id = ?")) {
                    s.setString(1, outcomeId);
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        d = new Delivery(outcomeId, sink, attempts, r.getString(1), r.getTimestamp(2).toInstant());
                    }
                }
                boolean more = handler.test(new Claim() {
                    @Override
                    public Delivery delivery() {
                        return d;
                    }

                    @Override
                    public void delivered() {
                        finished("delivered", null);
                    }

                    @Override
                    public void finished(String result, String error) {
                        update(c, "UPDATE delivery SET delivered_at = ?, attempts = attempts + 1, result = ?, last_error = ? WHERE outcome_id = ? AND sink = ?",
                                Timestamp.from(Instant.now()), result, cut(error), d.outcomeId(), d.sink());
                    }

                    @Override
                    public void failed(Instant nextAttempt, String error) {
                        update(c, "UPDATE delivery SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE outcome_id = ? AND sink = ?",
                                Timestamp.from(nextAttempt), cut(error), d.outcomeId(), d.sink());
                    }
                });
                c.commit();
                return more;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the outbox", e);
        }
    }

    private static String cut(String error) {
        return error == null ? null : error.length() > 2000 ? error.substring(0, 2000) : error;
    }

    /** The result of a delivery: delivered, refused, dead-lettered, or null while pending. */
    public Optional<String> deliveryResult(String outcomeId, String sink) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT result FROM delivery WHERE outcome_id = ? AND sink = ?")) {
            s.setString(1, outcomeId);
            s.setString(2, sink);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.ofNullable(r.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the outbox", e);
        }
    }

    /** Deliveries not yet acknowledged, per sink (for health and metrics). */
    public long pending(String sink) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NULL AND sink = ?")) {
            s.setString(1, sink);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the outbox", e);
        }
    }

    /** Writes one row: the store is writable. */
    public void heartbeat() {
        update(dialect.beat, Timestamp.from(Instant.now()));
    }

    private void update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection()) {
            update(c, sql, args);
        } catch (SQLException e) {
            throw new StoreException("cannot update the store", e);
        }
    }

    private static void update(Connection c, String sql, Object... args) {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot update the store", e);
        }
    }

    private List<StoredOperation> query(String sql, Object... args) {
        List<StoredOperation> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
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
        dataSource.close();
    }
}

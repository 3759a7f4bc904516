package io.ontapjobs.store;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's queue ({@code delivery}): one row per ended operation and sink, queued in the transaction that ends the
 * operation ({@link #queue}), claimed by one replica at a time while it is delivered, and acknowledged per sink.
 *
 * <p>A claim is a lease, never a lock held through the send: it is taken in one short transaction (the row marked
 * {@code claimed_by} this claim {@code claimed_until} a deadline on the database's clock, then committed), the sink
 * is called with no connection held, and the result is written in another short transaction only where the row is
 * still claimed by this claim. While a claim is live no other replica takes the delivery; once it has lapsed (its
 * holder died, or was paused past it) another does, and a result the late holder then tries to write is not
 * recorded. Delivery stays at least once: each outcome carries its id, for receivers to deduplicate on.
 */
public final class OutboxQueue {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxQueue.class);
    /** The lease of a claim when the caller names none. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private final Database db;
    /** This process (pid@host), for operators reading {@code claimed_by}; each claim adds a unique part. */
    private final String holder = ManagementFactory.getRuntimeMXBean().getName();

    OutboxQueue(Database db) {
        this.db = db;
        if (db.dialect == Database.Dialect.H2) {
            // H2's file is one process's: a claim found now is a previous run's, killed while sending: due again at once
            db.update("UPDATE delivery SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL");
        }
    }

    /** Called after a transaction that queued deliveries committed ({@link #onQueued}). */
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Runs {@code listener} after each commit that queued deliveries in this process (an operation ended), so that the
     * outbox delivers them at once instead of at its next poll. It runs on the thread that ended the operation: it
     * must only hand the work over.
     */
    public void onQueued(Runnable listener) {
        listeners.add(listener);
    }

    /** After the commit of {@link #queue}'s transaction. */
    void queued() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warn("Outbox wake-up failed ({}): the next poll delivers", e.toString());
            }
        }
    }

    /** A delivery that is due; {@code queuedAt} is when it was queued (the outcome's end). */
    public record Delivery(String outcomeId, String sink, int attempts, String outcome, Instant queuedAt) {
    }

    /**
     * A due delivery claimed by this process, and how it went: each method records the result in a short transaction
     * of its own, and releases the claim.
     *
     * @see OutboxQueue the claim protocol
     */
    public interface Claim {
        // a claim of a Batch notes its result and returns true: the batch's record() writes it, and says which lapsed
        Delivery delivery();

        /** @return false when the claim had lapsed and another took it: nothing is recorded (the other's result stands) */
        default boolean delivered() {
            return finished("delivered", null);
        }

        /** Done without success: refused by the sink, or dead-lettered; the reason is kept. @return as {@link #delivered} */
        boolean finished(String result, String error);

        /** To be tried again from {@code nextAttempt}. @return as {@link #delivered} */
        boolean failed(Instant nextAttempt, String error);
    }

    /** Inside the transaction that ends operation {@code id}: one delivery of its outcome per sink, due at once. */
    void queue(Connection c, String id, List<String> sinks, Timestamp now) throws SQLException {
        try (PreparedStatement d = c.prepareStatement(db.dialect.queueDelivery)) {
            for (String sink : sinks) {
                d.setString(1, id);
                d.setString(2, sink);
                d.setTimestamp(3, now);
                d.addBatch();
            }
            d.executeBatch();
        }
    }

    /** As {@link #claimNext(String, Instant, Duration, Predicate)} with {@link #DEFAULT_LEASE}. */
    public boolean claimNext(String sink, Instant now, Predicate<Claim> handler) {
        return claimNext(sink, now, DEFAULT_LEASE, handler);
    }

    /**
     * Claims the oldest delivery to {@code sink} due at {@code now} for {@code lease} and hands it to {@code handler},
     * which delivers it and records its result through the claim; no connection is held meanwhile. A claim the handler
     * leaves without a result (or throws out of) is released: the delivery is due again at once.
     *
     * @return true when a delivery was claimed and the handler asks for the next one
     */
    public boolean claimNext(String sink, Instant now, Duration lease, Predicate<Claim> handler) {
        List<Leased> claimed = claim(sink, now, lease, 1);
        if (claimed.isEmpty()) {
            return false;
        }
        Leased claim = claimed.get(0);
        boolean done = false;
        try {
            boolean more = handler.test(claim);
            done = true;
            return more;
        } finally {
            if (!claim.recorded) {
                try {
                    claim.release();
                } catch (StoreException e) {
                    if (done) {
                        throw e;
                    }
                    LOG.warn("Claim of outcome {} for {} not released ({}): it lapses in {}", claim.delivery.outcomeId(), sink,
                            e.getMessage(), lease);
                }
            }
        }
    }

    /**
     * Claims up to {@code limit} deliveries to {@code sink} due at {@code now}, oldest first, for {@code lease}, and
     * hands them over as one {@link Batch}: its sends are made with no connection held, and
     * {@link Batch#record()} writes all their results in one transaction. Claims, sends and records a batch at a time
     * instead of one delivery at a time: three statements and one commit per batch to claim, one commit per batch to
     * record, where one delivery at a time cost two commits per delivery.
     */
    public Batch claimBatch(String sink, Instant now, Duration lease, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a batch of at least one delivery");
        }
        String token = holder + "/" + UUID.randomUUID();
        return new Batch(sink, token, claim(sink, now, lease, limit, token).stream().map(Noted::new).toList());
    }

    /** As {@link #claim(String, Instant, Duration, int, String)}, each claim released or recorded on its own. */
    List<Leased> claim(String sink, Instant now, Duration lease, int limit) {
        String token = holder + "/" + UUID.randomUUID();
        return claim(sink, now, lease, limit, token).stream().map(d -> new Leased(d, token)).toList();
    }

    /**
     * Claims up to {@code limit} deliveries to {@code sink} due at {@code now}, oldest first, none claimed by another
     * right now, each for {@code lease}, all under {@code token}: one short transaction, committed before this returns.
     * On PostgreSQL rows another replica is claiming at the same moment are skipped ({@code FOR UPDATE SKIP LOCKED},
     * for the claim's transaction only): two replicas claiming batches at once get disjoint ones. Rows it has claimed
     * are passed by until their claim lapses.
     */
    private List<Delivery> claim(String sink, Instant now, Duration lease, int limit, String token) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                List<String> ids = new ArrayList<>();
                java.util.Map<String, Integer> attempts = new java.util.HashMap<>();
                // the delivery row alone, by its index: joining the outcome here made the database copy every due
                // outcome (a LOB) to sort them, once per claim — quadratic with thousands waiting
                try (PreparedStatement s = c.prepareStatement("SELECT d.outcome_id, d.attempts FROM delivery d"
                        + " WHERE d.sink = ? AND d.delivered_at IS NULL AND d.next_attempt_at <= ?"
                        + " AND (d.claimed_until IS NULL OR d.claimed_until <= " + db.dialect.now + ")"
                        + " ORDER BY d.next_attempt_at LIMIT ?" + db.dialect.claimDelivery)) {
                    s.setString(1, sink);
                    s.setTimestamp(2, Timestamp.from(now));
                    s.setInt(3, limit);
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            ids.add(r.getString(1));
                            attempts.put(r.getString(1), r.getInt(2));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    c.commit();
                    return List.of();
                }
                // the rows selected are locked by this transaction until it commits: one UPDATE claims them all
                Object[] args = new Object[ids.size() + 3];
                args[0] = token;
                args[1] = lease.toMillis();
                args[2] = sink;
                for (int i = 0; i < ids.size(); i++) {
                    args[i + 3] = ids.get(i);
                }
                Database.update(c, "UPDATE delivery SET claimed_by = ?, claimed_until = " + db.dialect.nowPlusMillis
                        + " WHERE sink = ? AND outcome_id IN (" + Database.placeholders(ids.size()) + ")", args);
                java.util.Map<String, Delivery> read = new java.util.HashMap<>();
                try (PreparedStatement s = c.prepareStatement("SELECT id, outcome, updated_at FROM operation WHERE id IN ("
                        + Database.placeholders(ids.size()) + ")")) {
                    for (int i = 0; i < ids.size(); i++) {
                        s.setString(i + 1, ids.get(i));
                    }
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            String id = r.getString(1);
                            read.put(id, new Delivery(id, sink, attempts.get(id), r.getString(2), r.getTimestamp(3).toInstant()));
                        }
                    }
                }
                c.commit();
                List<Delivery> claimed = new ArrayList<>(ids.size());
                for (String id : ids) { // oldest first, as selected
                    claimed.add(read.get(id));
                }
                return claimed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the outbox", e);
        }
    }

    /**
     * Deliveries claimed together ({@link #claimBatch}): the result of each is noted by its claim's methods (which
     * return true: nothing is written yet) and {@link #record()} writes them all in one transaction, each only where
     * the row is still claimed by this batch; a claim left without a result is released there, due again at once.
     * Closing a batch not yet recorded records it.
     */
    public final class Batch implements AutoCloseable {
        private final String sink;
        private final String token;
        private final List<Noted> claims;
        private boolean recorded;

        private Batch(String sink, String token, List<Noted> claims) {
            this.sink = sink;
            this.token = token;
            this.claims = claims;
        }

        /** Oldest first; empty when nothing was due. */
        public List<Claim> claims() {
            return List.copyOf(claims);
        }

        public boolean isEmpty() {
            return claims.isEmpty();
        }

        /**
         * Writes every noted result and releases every claim without one, in one transaction; at most once.
         *
         * @return the outcome ids whose result was not recorded because the claim had lapsed and another took it
         */
        public List<String> record() {
            if (recorded || claims.isEmpty()) {
                recorded = true;
                return List.of();
            }
            recorded = true;
            String where = " WHERE outcome_id = ? AND sink = ? AND claimed_by = ?";
            List<Noted> finished = claims.stream().filter(n -> n.result != null).toList();
            List<Noted> failed = claims.stream().filter(n -> n.result == null && n.nextAttempt != null).toList();
            List<Noted> released = claims.stream().filter(n -> n.result == null && n.nextAttempt == null).toList();
            List<String> lapsed = new ArrayList<>();
            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                try {
                    Timestamp at = Timestamp.from(Instant.now());
                    try (PreparedStatement s = c.prepareStatement("UPDATE delivery SET delivered_at = ?, attempts = attempts + 1,"
                            + " result = ?, last_error = ?, claimed_by = NULL, claimed_until = NULL" + where)) {
                        for (Noted n : finished) {
                            s.setTimestamp(1, at);
                            s.setString(2, n.result);
                            s.setString(3, cut(n.error));
                            bindRow(s, 4, n);
                            s.addBatch();
                        }
                        lapsed(s, finished, lapsed);
                    }
                    try (PreparedStatement s = c.prepareStatement("UPDATE delivery SET attempts = attempts + 1, next_attempt_at = ?,"
                            + " last_error = ?, claimed_by = NULL, claimed_until = NULL" + where)) {
                        for (Noted n : failed) {
                            s.setTimestamp(1, Timestamp.from(n.nextAttempt));
                            s.setString(2, cut(n.error));
                            bindRow(s, 3, n);
                            s.addBatch();
                        }
                        lapsed(s, failed, lapsed);
                    }
                    try (PreparedStatement s = c.prepareStatement("UPDATE delivery SET claimed_by = NULL, claimed_until = NULL" + where)) {
                        for (Noted n : released) {
                            bindRow(s, 1, n);
                            s.addBatch();
                        }
                        lapsed(s, released, new ArrayList<>()); // a lapsed claim without a result: nothing to lose
                    }
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                throw new StoreException("cannot record " + claims.size() + " deliveries to " + sink, e);
            }
            for (String id : lapsed) {
                LOG.warn("The claim of outcome {} for {} lapsed while it was being sent, and another took it: this result is not"
                        + " recorded (the outcome may reach the sink twice; its id tells)", id, sink);
            }
            return lapsed;
        }

        private void bindRow(PreparedStatement s, int from, Noted n) throws SQLException {
            s.setString(from, n.delivery.outcomeId());
            s.setString(from + 1, sink);
            s.setString(from + 2, token);
        }

        private static void lapsed(PreparedStatement s, List<Noted> rows, List<String> lapsed) throws SQLException {
            if (rows.isEmpty()) {
                return;
            }
            int[] counts = s.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 1) {
                    lapsed.add(rows.get(i).delivery.outcomeId());
                }
            }
        }

        @Override
        public void close() {
            if (!recorded) {
                record();
            }
        }
    }

    /** One claim of a {@link Batch}: its result noted, written when the batch is recorded. */
    private static final class Noted implements Claim {
        private final Delivery delivery;
        private volatile String result;
        private volatile String error;
        private volatile Instant nextAttempt;

        Noted(Delivery delivery) {
            this.delivery = delivery;
        }

        @Override
        public Delivery delivery() {
            return delivery;
        }

        @Override
        public boolean finished(String result, String error) {
            this.error = error;
            this.result = result;
            return true;
        }

        @Override
        public boolean failed(Instant nextAttempt, String error) {
            this.error = error;
            this.nextAttempt = nextAttempt;
            return true;
        }
    }

    /** A claim of this process: its result written, or the claim released, only where the row is still claimed by it. */
    final class Leased implements Claim {
        private final Delivery delivery;
        private final String token;
        private volatile boolean recorded;

        Leased(Delivery delivery, String token) {
            this.delivery = delivery;
            this.token = token;
        }

        @Override
        public Delivery delivery() {
            return delivery;
        }

        @Override
        public boolean finished(String result, String error) {
            return record("delivered_at = ?, attempts = attempts + 1, result = ?, last_error = ?",
                    Timestamp.from(Instant.now()), result, cut(error));
        }

        @Override
        public boolean failed(Instant nextAttempt, String error) {
            return record("attempts = attempts + 1, next_attempt_at = ?, last_error = ?", Timestamp.from(nextAttempt), cut(error));
        }

        /** Gives the claim up without a result: due again at once. */
        void release() {
            recorded = true;
            update("");
        }

        private boolean record(String set, Object... values) {
            recorded = true;
            boolean ours = update(set, values);
            if (!ours) {
                LOG.warn("The claim of outcome {} for {} lapsed while it was being sent, and another took it: this result is not"
                        + " recorded (the outcome may reach the sink twice; its id tells)", delivery.outcomeId(), delivery.sink());
            }
            return ours;
        }

        private boolean update(String set, Object... values) {
            Object[] args = java.util.Arrays.copyOf(values, values.length + 3);
            args[values.length] = delivery.outcomeId();
            args[values.length + 1] = delivery.sink();
            args[values.length + 2] = token;
            return db.update("UPDATE delivery SET " + (set.isEmpty() ? "" : set + ", ") + "claimed_by = NULL, claimed_until = NULL"
                    + " WHERE outcome_id = ? AND sink = ? AND claimed_by = ?", args) == 1;
        }
    }

    private static String cut(String error) {
        return error == null ? null : error.length() > 2000 ? error.substring(0, 2000) : error;
    }

    /** The result of a delivery: delivered, refused, dead-lettered, or null while pending. */
    public Optional<String> deliveryResult(String outcomeId, String sink) {
        try (Connection c = db.connection();
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
        try (Connection c = db.connection();
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
}

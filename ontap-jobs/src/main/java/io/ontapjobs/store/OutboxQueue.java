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
        Delivery delivery();

        /** @return false when the claim had lapsed and another took it: nothing is recorded (the other's result stands) */
        boolean delivered();

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
     * Claims up to {@code limit} deliveries to {@code sink} due at {@code now}, oldest first, none claimed by another
     * right now, each for {@code lease}: one short transaction, committed before this returns. On PostgreSQL rows
     * another replica is claiming at the same moment are skipped ({@code FOR UPDATE SKIP LOCKED}, for the claim's
     * transaction only); rows it has claimed are passed by until their claim lapses.
     */
    List<Leased> claim(String sink, Instant now, Duration lease, int limit) {
        List<Leased> claimed = new ArrayList<>();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                List<Object[]> due = new ArrayList<>();
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
                            due.add(new Object[] {r.getString(1), r.getInt(2)});
                        }
                    }
                }
                for (Object[] row : due) {
                    String outcomeId = (String) row[0];
                    String token = holder + "/" + UUID.randomUUID();
                    Database.update(c, "UPDATE delivery SET claimed_by = ?, claimed_until = " + db.dialect.nowPlusMillis
                            + " WHERE outcome_id = ? AND sink = ?", token, lease.toMillis(), outcomeId, sink);
                    try (PreparedStatement s = c.prepareStatement("SELECT outcome, updated_at FROM operation WHERE id = ?")) {
                        s.setString(1, outcomeId);
                        try (ResultSet r = s.executeQuery()) {
                            r.next();
                            Delivery d = new Delivery(outcomeId, sink, (Integer) row[1], r.getString(1), r.getTimestamp(2).toInstant());
                            claimed.add(new Leased(d, token));
                        }
                    }
                }
                c.commit();
                return claimed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the outbox", e);
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
        public boolean delivered() {
            return finished("delivered", null);
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

package io.ontapjobs.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The outbox's queue ({@code delivery}): one row per ended operation and sink, queued in the transaction that ends the
 * operation ({@link #queue}), claimed by one replica at a time while it is delivered, and acknowledged per sink.
 */
public final class OutboxQueue {
    private final Database db;

    OutboxQueue(Database db) {
        this.db = db;
    }

    /** A delivery that is due; {@code queuedAt} is when it was queued (the outcome's end). */
    public record Delivery(String outcomeId, String sink, int attempts, String outcome, Instant queuedAt) {
    }

    /** A due delivery claimed by this process until its result, written in the claim's own transaction, is committed. */
    public interface Claim {
        Delivery delivery();

        void delivered();

        /** Done without success: refused by the sink, or dead-lettered; the reason is kept. */
        void finished(String result, String error);

        void failed(Instant nextAttempt, String error);
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

    /**
     * Claims the oldest delivery to {@code sink} due at {@code now} and hands it to {@code handler}, which delivers it
     * and writes its result through the claim. On PostgreSQL the row stays locked until then and other replicas skip
     * it ({@code FOR UPDATE SKIP LOCKED}), so that two replicas never deliver the same outcome to the same sink; a
     * replica that dies meanwhile drops its lock with its connection, and another delivers it.
     *
     * @return true when a delivery was claimed and the handler asks for the next one
     */
    public boolean claimNext(String sink, Instant now, Predicate<Claim> handler) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                Delivery d;
                String outcomeId;
                int attempts;
                // the delivery row alone, by its index: joining the outcome here made the database copy every due
                // outcome (a LOB) to sort them, once per claim — quadratic with thousands waiting
                try (PreparedStatement s = c.prepareStatement("SELECT d.outcome_id, d.attempts FROM delivery d"
                        + " WHERE d.sink = ? AND d.delivered_at IS NULL AND d.next_attempt_at <= ?"
                        + " ORDER BY d.next_attempt_at LIMIT 1" + db.dialect.claimDelivery)) {
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
                        Database.update(c, "UPDATE delivery SET delivered_at = ?, attempts = attempts + 1, result = ?, last_error = ? WHERE outcome_id = ? AND sink = ?",
                                Timestamp.from(Instant.now()), result, cut(error), d.outcomeId(), d.sink());
                    }

                    @Override
                    public void failed(Instant nextAttempt, String error) {
                        Database.update(c, "UPDATE delivery SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE outcome_id = ? AND sink = ?",
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

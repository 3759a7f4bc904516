package io.ontapjobs.store;

import io.ontapjobs.operation.OwnershipLostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * Ownership of ONTAP clusters among replicas sharing one database ({@code cluster_owner}): each claim of a cluster is
 * a new epoch, higher than any before, and every step a replica records for an operation of that cluster is checked
 * against it ({@link #check}), so that a replica whose epoch was superseded (paused past its lease) records nothing.
 * A replica's own view of the epochs it holds is its {@link Fencing}.
 */
public final class OwnershipEpochs {
    private final Database db;

    OwnershipEpochs(Database db) {
        this.db = db;
    }

    /** A cluster's owner as the database records it. */
    public record Owner(String cluster, String replica, long epoch, Instant since) {
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
            try (Connection c = db.connection()) {
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
                } catch (SQLException | RuntimeException e) {
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
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT owner, epoch, since FROM cluster_owner WHERE cluster = ?")) {
            s.setString(1, cluster);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new Owner(cluster, r.getString(1), r.getLong(2), r.getTimestamp(3).toInstant())) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the owner of cluster " + cluster, e);
        }
    }

    /**
     * Inside a step's transaction on {@code c}: the epoch {@code fencing} holds for the operation's cluster, if it is
     * the current one. Read with a lock that a claim waits for, so that no step of an old epoch commits after a newer
     * claim. On PostgreSQL the step's transaction is first limited in how long it may sit idle (a paused replica's
     * session is ended rather than stall a new owner's claim).
     *
     * @throws OwnershipLostException when the replica holds no epoch for it, or an older one than the database's
     */
    long check(Connection c, String id, String step, Fencing fencing) throws SQLException {
        if (db.dialect.stepLimit != null) {
            try (java.sql.Statement limit = c.createStatement()) {
                limit.execute(db.dialect.stepLimit);
            }
        }
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
        try (PreparedStatement s = c.prepareStatement("SELECT epoch, owner FROM cluster_owner WHERE cluster = ?" + db.dialect.epochLock)) {
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
}

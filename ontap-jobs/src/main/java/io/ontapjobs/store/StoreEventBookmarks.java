package io.ontapjobs.store;

import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.operation.OwnershipLostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EMS consumers' bookmarks in the store ({@code event_bookmark}, next to the operations): one row per consumer and
 * node, upserted after each event. For one of several replicas ({@code fencing} not null) a save is made only while
 * the replica holds the current epoch of the consumer's cluster, checked in the save's transaction under the same
 * lock an operation step takes ({@link OwnershipEpochs}): a stale owner's save throws {@link OwnershipLostException}
 * and writes nothing.
 */
public final class StoreEventBookmarks implements EventBookmarks {
    private final Database db;
    private final Fencing fencing;

    StoreEventBookmarks(Database db, Fencing fencing) {
        this.db = db;
        this.fencing = fencing;
    }

    /** One row of {@code events status}. */
    public record Row(String consumerKey, String cluster, String nodeUuid, long index, Instant time, Instant updatedAt) {
    }

    /** The cluster of a consumer key {@code <cluster>/<route id>}. */
    static String cluster(String consumerKey) {
        int slash = consumerKey.indexOf('/');
        return slash < 0 ? consumerKey : consumerKey.substring(0, slash);
    }

    @Override
    public Map<String, Bookmark> load(String consumerKey) {
        Map<String, Bookmark> out = new LinkedHashMap<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT node_uuid, event_index, event_time FROM event_bookmark WHERE consumer_key = ?")) {
            s.setString(1, consumerKey);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Timestamp t = r.getTimestamp(3);
                    out.put(r.getString(1), new Bookmark(r.getLong(2), t == null ? null : t.toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the bookmarks of " + consumerKey, e);
        }
        return out;
    }

    @Override
    public void save(String consumerKey, String nodeUuid, long index, Instant time) {
        String cluster = cluster(consumerKey);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                if (fencing != null) {
                    check(c, cluster, consumerKey, nodeUuid, index);
                }
                upsert(c, consumerKey, nodeUuid, cluster, index, time);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot save the bookmark of " + consumerKey + " for node " + nodeUuid, e);
        }
    }

    /** Every consumer's bookmarks, by consumer key and node (for {@code events status}). */
    public List<Row> all() {
        List<Row> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT consumer_key, cluster, node_uuid, event_index, event_time, updated_at"
                     + " FROM event_bookmark ORDER BY consumer_key, node_uuid");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                Timestamp t = r.getTimestamp(5);
                out.add(new Row(r.getString(1), r.getString(2), r.getString(3), r.getLong(4), t == null ? null : t.toInstant(),
                        r.getTimestamp(6).toInstant()));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the bookmarks", e);
        }
        return out;
    }

    private void upsert(Connection c, String key, String node, String cluster, long index, Instant time) throws SQLException {
        String sql = db.dialect == Database.Dialect.POSTGRESQL
                ? "INSERT INTO event_bookmark (consumer_key, node_uuid, cluster, event_index, event_time, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (consumer_key, node_uuid) DO UPDATE SET cluster = EXCLUDED.cluster,"
                        + " event_index = EXCLUDED.event_index, event_time = EXCLUDED.event_time, updated_at = EXCLUDED.updated_at"
                : "MERGE INTO event_bookmark (consumer_key, node_uuid, cluster, event_index, event_time, updated_at)"
                        + " KEY (consumer_key, node_uuid) VALUES (?, ?, ?, ?, ?, ?)";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, key);
            s.setString(2, node);
            s.setString(3, cluster);
            s.setLong(4, index);
            s.setTimestamp(5, time == null ? null : Timestamp.from(time));
            s.setTimestamp(6, Timestamp.from(Instant.now()));
            s.executeUpdate();
        }
    }

    /** As an operation step's check ({@link OwnershipEpochs}), by cluster: the held epoch must be the database's. */
    private void check(Connection c, String cluster, String key, String node, long index) throws SQLException {
        if (db.dialect.stepLimit != null) {
            try (java.sql.Statement limit = c.createStatement()) {
                limit.execute(db.dialect.stepLimit);
            }
        }
        String what = "bookmark " + key + " node " + node + " index " + index + " not saved";
        Long held = fencing.epoch(cluster);
        if (held == null) {
            throw new OwnershipLostException("cluster " + cluster + " is not owned by " + fencing.replica() + ": " + what);
        }
        try (PreparedStatement s = c.prepareStatement("SELECT epoch, owner FROM cluster_owner WHERE cluster = ?" + db.dialect.epochLock)) {
            s.setString(1, cluster);
            try (ResultSet r = s.executeQuery()) {
                long current = r.next() ? r.getLong(1) : 0;
                if (current != held) {
                    fencing.superseded(cluster, held);
                    throw new OwnershipLostException("cluster " + cluster + " has a newer owner (" + (current == 0 ? "none"
                            : r.getString(2) + ", epoch " + current) + ") than " + fencing.replica() + " (epoch " + held + "): " + what);
                }
            }
        }
    }
}

package io.ontapjobs.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * The database the store's parts share ({@link OperationStore}, {@link OwnershipEpochs}, {@link OutboxQueue}): the
 * connection pool, the SQL that differs between H2 and PostgreSQL, and the schema, created and migrated by Flyway
 * when it is opened.
 */
final class Database implements AutoCloseable {
    /** The longest a step's transaction may wait for its own process between two statements (PostgreSQL). */
    static final long STEP_IDLE_LIMIT_MS = 5000;

    final Dialect dialect;
    private final HikariDataSource dataSource;

    /** The SQL that differs between the databases supported: the schema's migrations, the upserts, the locks. */
    enum Dialect {
        // H2's migrations stay where they were first released: existing databases' Flyway checksums must still match
        // H2 is one process's (high availability refuses it): no claim needs to skip another's lock
        H2("classpath:db/migration",
                "MERGE INTO delivery (outcome_id, sink, next_attempt_at) KEY (outcome_id, sink) VALUES (?, ?, ?)",
                "MERGE INTO heartbeat (id, beat_at) KEY (id) VALUES (1, ?)", " FOR UPDATE", "",
                "LOCALTIMESTAMP", "DATEADD(MILLISECOND, ?, LOCALTIMESTAMP)", null),
        // ON CONFLICT rather than MERGE: PostgreSQL has MERGE only from 15 on
        POSTGRESQL("classpath:db/postgresql",
                "INSERT INTO delivery (outcome_id, sink, next_attempt_at) VALUES (?, ?, ?) "
                        + "ON CONFLICT (outcome_id, sink) DO UPDATE SET next_attempt_at = EXCLUDED.next_attempt_at",
                "INSERT INTO heartbeat (id, beat_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at",
                // a step's check of the epoch: many at once, while a claim (an UPDATE) waits for them all to commit
                " FOR SHARE",
                // a delivery being claimed (for the claim's short transaction only): other replicas pass it by
                " FOR UPDATE OF d SKIP LOCKED",
                "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP + ? * INTERVAL '1 millisecond'",
                // a replica paused inside a step (SIGSTOP, a frozen VM) would hold its epoch lock, and so stall the claim
                // of a new owner, for as long as it sleeps: its session is ended instead, and the step fails
                "SET LOCAL idle_in_transaction_session_timeout = '" + STEP_IDLE_LIMIT_MS + "ms'");

        final String migrations;
        final String queueDelivery;
        final String beat;
        final String epochLock;
        final String claimDelivery;
        /** The database's own clock, which every replica shares: a claim's lease is measured with it. */
        final String now;
        /** The database's clock plus a bound number of milliseconds. */
        final String nowPlusMillis;
        final String stepLimit;

        Dialect(String migrations, String queueDelivery, String beat, String epochLock, String claimDelivery, String now,
                String nowPlusMillis, String stepLimit) {
            this.migrations = migrations;
            this.queueDelivery = queueDelivery;
            this.beat = beat;
            this.epochLock = epochLock;
            this.claimDelivery = claimDelivery;
            this.now = now;
            this.nowPlusMillis = nowPlusMillis;
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

    private Database(HikariDataSource dataSource) {
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
    static Database configured(java.util.function.Function<String, Optional<String>> property, String embeddedName) {
        Optional<String> url = property.apply("ontap.state.jdbc-url").filter(u -> !u.isBlank());
        if (url.isPresent()) {
            return open(url.get(), property.apply("ontap.state.user").orElse(""), property.apply("ontap.state.password").orElse(""), false);
        }
        Optional<String> dir = property.apply("ontap.state.dir").filter(d -> !d.isBlank());
        if (dir.isEmpty()) {
            return null;
        }
        Path state = Path.of(dir.get());
        io.ontapjobs.files.FileModes.privateDirectory(state, "State directory");
        Database embedded = embedded(state, embeddedName);
        // H2 makes its files under the umask: 0600 for those present now; the 0700 folder keeps others away from
        // them meanwhile and from any it makes later (a trace file)
        io.ontapjobs.files.FileModes.tightenFiles(state, embeddedName + ".*");
        return embedded;
    }

    /** The embedded default: an H2 database file {@code <dir>/<name>.mv.db}. */
    static Database embedded(Path dir, String name) {
        // WRITE_DELAY=0: a commit reaches the file before it returns, so a killed process loses no recorded step
        return open("jdbc:h2:file:" + dir.toAbsolutePath().resolve(name) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0", "sa", "", true);
    }

    /**
     * A database at a JDBC URL (H2 or PostgreSQL); fails at once if it cannot be reached or logged into. Neither the
     * URL nor the password is put into an exception: drivers' own messages name the host and user, not the password.
     */
    static Database open(String jdbcUrl, String user, String password, boolean inProcess) {
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
        return new Database(dataSource);
    }

    /** A pooled connection, in auto-commit: the caller closes it (gives it back) as soon as its statements are done. */
    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** Connections lent out of the pool right now. */
    int activeConnections() {
        var pool = dataSource.getHikariPoolMXBean();
        return pool == null ? 0 : pool.getActiveConnections();
    }

    /** Writes one row: the store is writable. */
    void heartbeat() {
        update(dialect.beat, Timestamp.from(Instant.now()));
    }

    /** One statement in its own (auto-committed) connection. @return the rows it changed */
    int update(String sql, Object... args) {
        try (Connection c = connection()) {
            return update(c, sql, args);
        } catch (SQLException e) {
            throw new StoreException("cannot update the store", e);
        }
    }

    static int update(Connection c, String sql, Object... args) {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot update the store", e);
        }
    }

    /** A statement's {@code ?, ?, ?} for {@code n} values. */
    static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    @Override
    public void close() {
        dataSource.close();
    }
}

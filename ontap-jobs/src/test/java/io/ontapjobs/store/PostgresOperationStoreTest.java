package io.ontapjobs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The store's contract on a real PostgreSQL server (see {@link PostgresServer}), logging in with a password as in
 * production; and that password never shows, in logs or exceptions, whether it is right, wrong or put in the URL.
 */
class PostgresOperationStoreTest extends OperationStoreContract {
    static final String WRONG = "Wrong-pw-93zq";
    PostgresServer.Database db;
    static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

    @Override
    OperationStore openNew() {
        db = PostgresServer.newDatabase();
        return reopen();
    }

    @Override
    OperationStore reopen() {
        return OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
    }

    @Override
    Connection connect() throws SQLException {
        return db.connect();
    }

    @BeforeAll
    static void captureLogs() {
        LOGS.start();
        root().addAppender(LOGS);
        // logback.xml holds Flyway at WARN for a quiet start; an operator may turn it up, so its lines are checked too
        flywayLevel = flyway().getLevel();
        flyway().setLevel(ch.qos.logback.classic.Level.INFO);
    }

    static ch.qos.logback.classic.Level flywayLevel;

    static ch.qos.logback.classic.Logger flyway() {
        return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.flywaydb");
    }

    @AfterAll
    static void noPasswordWasLogged() {
        root().detachAppender(LOGS);
        flyway().setLevel(flywayLevel);
        assertThat(LOGS.list).as("Flyway's lines, for one").isNotEmpty();
        for (ILoggingEvent e : LOGS.list) {
            String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
            assertThat(text).doesNotContain(PostgresServer.PASSWORD).doesNotContain(WRONG);
        }
    }

    private static Logger root() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void theSchemaIsPostgresqlsOwn() throws Exception {
        assertThat(count("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'operation' AND column_name = 'accepted_at'"
                + " AND data_type = 'timestamp with time zone'")).isEqualTo(1);
    }

    @Test
    void aWrongPasswordIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> OperationStore.open(db.url(), PostgresServer.USER, WRONG))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("password authentication failed for user \"ontap\"")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(WRONG).doesNotContain(PostgresServer.PASSWORD));
    }

    @Test
    void aPasswordInTheUrlWorksAndIsNeverShownEither() {
        try (OperationStore inUrl = OperationStore.open(db.url() + "?user=ontap&password=" + PostgresServer.PASSWORD, "", "")) {
            inUrl.heartbeat();
        }
        assertThatThrownBy(() -> OperationStore.open(db.url() + "?user=ontap&password=" + WRONG, "", ""))
                .isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(WRONG));
    }

    @Test
    void anUnreachableServerFailsAtOnceSayingSo() {
        assertThatThrownBy(() -> OperationStore.open("jdbc:postgresql://127.0.0.1:1/ontap", PostgresServer.USER, PostgresServer.PASSWORD))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to the store")
                .hasMessageContaining("127.0.0.1:1");
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}

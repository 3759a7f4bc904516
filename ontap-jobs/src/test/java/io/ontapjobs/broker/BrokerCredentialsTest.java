package io.ontapjobs.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.ontapjobs.RunningService;
import io.ontapjobs.service.OntapJobsConfiguration;
import jakarta.jms.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The client login the service generates when no ontap.broker.password is set: kept private, reused, never logged. */
class BrokerCredentialsTest {
    static final String SCENARIOS = "scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 100ms}\n";
    @TempDir
    Path tmp;

    @Test
    void generatedOnceWithMode600ReusedOnRestartAndNeverLogged() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        LoggerContext loggers = (LoggerContext) LoggerFactory.getILoggerFactory();
        // "never logged" at any level: ours and the broker's loggers at their most talkative while the service starts
        List<String> names = List.of("io.ontapjobs", "org.apache.activemq", "org.apache.camel", "org.springframework.jms");
        List<Level> before = names.stream().map(n -> loggers.getLogger(n).getLevel()).toList();
        names.forEach(n -> loggers.getLogger(n).setLevel(Level.TRACE));
        Logger root = loggers.getLogger(Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        Path file = tmp.resolve("data/broker-credentials.properties");
        String password;
        try {
            try (RunningService first = RunningService.start(tmp, SCENARIOS)) {
                assertThat(file).exists();
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
                password = first.brokerLogin().password();
                assertThat(first.brokerLogin().user()).isEqualTo("ontap-client");
                assertThat(Base64.getUrlDecoder().decode(password)).hasSizeGreaterThanOrEqualTo(32);
                loginWorks(first);
            }
            try (RunningService second = RunningService.start(tmp, SCENARIOS)) {
                assertThat(second.brokerLogin().password()).as("reused after a restart").isEqualTo(password);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
                loginWorks(second);
            }
        } finally {
            root.detachAppender(logs);
            for (int i = 0; i < names.size(); i++) {
                loggers.getLogger(names.get(i)).setLevel(before.get(i));
            }
        }
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("Embedded broker: clients log in as 'ontap-client' with the password in "
                        + file.toAbsolutePath()));
        for (ILoggingEvent e : logs.list) {
            String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
            assertThat(text).as(e.getLoggerName()).doesNotContain(password);
        }
    }

    static void loginWorks(RunningService service) throws Exception {
        try (ActiveMQConnectionFactory cf = service.brokerClient(); Connection c = cf.createConnection()) {
            c.start();
        }
    }

    @Test
    void aUserWithoutAPasswordIsOneLineNamingTheKey() throws Exception {
        assertThatThrownBy(() -> RunningService.in(tmp).property("ontap.broker.user", "app").start().close()).satisfies(e -> {
            Throwable c = e;
            while (c != null && !(c instanceof OntapJobsConfiguration.ConfigurationError)) {
                c = c.getCause();
            }
            assertThat(c).isNotNull();
            assertThat(c.getMessage()).startsWith("ontap.broker.password: ").contains("ONTAP_BROKER_PASSWORD").doesNotContain("\n");
        });
        assertThat(tmp.resolve("data/broker-credentials.properties")).as("nothing generated").doesNotExist();
    }

    @Test
    void aConfiguredPasswordIsUsedAndNothingIsWritten() throws Exception {
        try (RunningService service = RunningService.in(tmp).property("ontap.broker.password", "Configured-pw-0815").start()) {
            assertThat(service.brokerLogin().user()).isEqualTo("ontap-client");
            loginWorks(service);
        }
        assertThat(tmp.resolve("data/broker-credentials.properties")).doesNotExist();
    }

    @Test
    void theLoginNeverShowsItsPassword() {
        assertThat(new BrokerCredentials("u", "p-secret-1").toString()).doesNotContain("p-secret-1");
    }
}

package io.ontapjobs.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.RunningService;
import io.ontapjobs.service.OntapJobsConfiguration;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerTest {
    @TempDir
    Path tmp;

    @Test
    void aMessageSentBeforeARestartIsStillThereAfterIt() throws Exception {
        int port = RunningService.freePort();
        EmbeddedBroker broker = new EmbeddedBroker(tmp.resolve("broker"), "127.0.0.1", port, List.of("q.durable"));
        broker.start();
        // the service's own user over TCP: the only one allowed on an arbitrary queue
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.tcpUrl(), broker.serviceLogin().user(), broker.serviceLogin().password());
             Connection c = cf.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("q.durable")).send(s.createTextMessage("kept")); // persistent by default
        }
        broker.stop();

        EmbeddedBroker again = new EmbeddedBroker(tmp.resolve("broker"), "127.0.0.1", port, List.of("q.durable"));
        again.start();
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(again.tcpUrl(), again.serviceLogin().user(), again.serviceLogin().password());
             Connection c = cf.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            Message m = s.createConsumer(s.createQueue("q.durable")).receive(5_000);
            assertThat(m).isInstanceOf(TextMessage.class);
            assertThat(((TextMessage) m).getText()).isEqualTo("kept");
        } finally {
            again.stop();
        }
    }

    @Test
    void aPortInUseStopsStartUpWithOneLineNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Main main = new Main();
            OntapJobsConfiguration.configure(main, false);
            main.addOverrideProperty("ontap.broker.port", String.valueOf(taken.getLocalPort()));
            main.addOverrideProperty("ontap.simulator.enabled", "true");
            main.addOverrideProperty("ontap.api.port", String.valueOf(RunningService.freePort()));
            main.addOverrideProperty("ontap.state.dir", tmp.resolve("data").toString());
            main.addOverrideProperty("ontap.inbox.dir", tmp.resolve("inbox").toString());
            main.addOverrideProperty("ontap.outcomes.dir", tmp.resolve("outcomes").toString());
            try {
                assertThatThrownBy(main::start).satisfies(e -> {
                    Throwable c = e;
                    while (c != null && !(c instanceof OntapJobsConfiguration.ConfigurationError)) {
                        c = c.getCause();
                    }
                    assertThat(c).isNotNull();
                    assertThat(c.getMessage()).startsWith("ontap.broker.port: ").contains(String.valueOf(taken.getLocalPort()))
                            .doesNotContain("\n");
                });
            } finally {
                main.stop();
            }
        }
    }
}

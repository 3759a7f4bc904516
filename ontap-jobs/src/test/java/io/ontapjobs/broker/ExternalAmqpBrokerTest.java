package io.ontapjobs.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ontap.broker.url=amqp://…: the service takes requests from, and puts outcomes on, a broker it reaches over
 * AMQP 1.0 only (Artemis' own client refuses an amqp:// URL), logging in with ontap.broker.user/.password. The
 * broker here is an Artemis of the test's own; the test's producer and consumer use its CORE side, as its client.
 */
class ExternalAmqpBrokerTest {
    @TempDir
    Path tmp;
    EmbeddedBroker broker;
    OntapSimulator sim;
    RunningService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.stop();
        }
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void requestFromAnAmqpBrokerRunsAndItsOutcomeGoesBackThere() throws Exception {
        int port = RunningService.freePort();
        BrokerCredentials client = new BrokerCredentials("client", "client-pw-4711");
        broker = new EmbeddedBroker(tmp.resolve("external-broker"), "127.0.0.1", port, List.of("ontap.requests", "ontap.outcomes"))
                .clientLogin(client, "ontap.requests", "ontap.outcomes");
        broker.start();
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(200)).build());
        // the service logs in with ontap.broker.user/.password (here the broker's user that may take requests)
        service = RunningService.in(tmp).cluster(sim.baseUrl()).property("ontap.broker.url", "amqp://127.0.0.1:" + port)
                .property("ontap.broker.user", broker.serviceLogin().user()).property("ontap.broker.password", broker.serviceLogin().password())
                .start();

        try (ActiveMQConnectionFactory core = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, client.user(), client.password());
             Connection c = core.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(
                    "{\"id\":\"amqp-vol1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol1\"}}"));

            Message m = s.createConsumer(s.createQueue("ontap.outcomes")).receive(20_000);
            assertThat(m).as("an outcome on the external broker").isInstanceOf(TextMessage.class);
            var outcome = new ObjectMapper().readTree(((TextMessage) m).getText());
            assertThat(outcome.path("id").asText()).isEqualTo("queue.amqp-vol1");
            assertThat(outcome.at("/data/status").asText()).isEqualTo("succeeded");
            assertThat(m.getStringProperty(EmbeddedBroker.OUTCOME_ID_PROPERTY)).isEqualTo("queue.amqp-vol1");
        }
    }
}

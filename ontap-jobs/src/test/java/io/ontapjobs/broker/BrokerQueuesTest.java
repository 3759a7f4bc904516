package io.ontapjobs.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as `serve` wires it, with its embedded broker, reached by plain clients over TCP as users' programs
 * reach it: JMS (Artemis CORE), AMQP 1.0 (Qpid JMS) and raw STOMP frames, logged in with the client login the
 * service generated. What that login may not do, and that nobody gets in without one, is in {@link BrokerSecurityTest}.
 */
class BrokerQueuesTest {
    @TempDir
    static Path tmp;
    static RunningService service;
    static int brokerPort;
    static ActiveMQConnectionFactory client;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.start(tmp, "scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 200ms}\n");
        brokerPort = service.brokerPort;
        client = service.brokerClient(); // over TCP, not in-VM, with the generated client login
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (service != null) {
            service.close();
        }
    }

    static void send(String queue, String text) throws Exception {
        try (Connection c = client.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue(queue)).send(s.createTextMessage(text));
        }
    }

    @Test
    void requestFromTheQueueRunsAgainstTheClusterToItsOutcome() throws Exception {
        send("ontap.requests", "{\"id\":\"jms-vol1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol1\"}}");

        Path outcome = tmp.resolve("outcomes/queue.jms-vol1.json"); // the queue's ids start with "queue."
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(outcome));
        var json = new ObjectMapper().readTree(outcome.toFile());
        assertThat(json.at("/data/status").asText()).isEqualTo("succeeded");
        assertThat(json.at("/data/operation/path").asText()).isEqualTo("/api/storage/volumes");
        // and the outbox put the same outcome on the outcomes queue, for a plain JMS client over TCP
        try (var connection = client.createConnection()) {
            connection.start();
            var session = connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
            // by id: another test's outcome may be queued too
            jakarta.jms.Message m = session.createConsumer(session.createQueue("ontap.outcomes"), "ontap_outcome_id = 'queue.jms-vol1'").receive(10_000);
            assertThat(m).isInstanceOf(jakarta.jms.TextMessage.class);
            assertThat(m.getStringProperty(EmbeddedBroker.OUTCOME_ID_PROPERTY)).isEqualTo("queue.jms-vol1");
            assertThat(new ObjectMapper().readTree(((jakarta.jms.TextMessage) m).getText()).get("id").asText()).isEqualTo("queue.jms-vol1");
        }
    }

    @Test
    void malformedRequestEndsOnTheRejectedQueueWithItsReason() throws Exception {
        String bad = "{\"method\":\"GET\",\"path\":\"/api/storage/volumes\"}";
        send("ontap.requests", bad);

        // clients may not read the rejected queue (nor take requests): looked at as the service's own user
        var consumer = service.context().createConsumerTemplate();
        org.apache.camel.Exchange rejected = consumer.receive("jms:queue:ontap.requests.rejected", 10_000);
        assertThat(rejected).isNotNull();
        assertThat(rejected.getMessage().getBody(String.class)).isEqualTo(bad);
        assertThat(rejected.getMessage().getHeader("OntapRejectReason", String.class)).startsWith("method: not POST, PATCH or DELETE");
        // taken from the requests queue: not delivered again
        assertThat(consumer.receive("jms:queue:ontap.requests", 300)).isNull();
    }

    @Test
    void outcomesSentToTheSinkUriAreConsumedByJmsAndStompClients() throws Exception {
        ProducerTemplate template = service.context().createProducerTemplate();
        String outcome = "{\"specversion\":\"1.0\",\"id\":\"o-1\",\"type\":\"ontap.operation.succeeded\"}";
        template.sendBodyAndHeaders(EmbeddedBroker.outcomesSinkUri("ontap.outcomes"), outcome,
                Map.of("CamelOntapOperationId", "o-1", "Content-Type", "application/cloudevents+json"));
        template.sendBodyAndHeaders(EmbeddedBroker.outcomesSinkUri("ontap.outcomes"), outcome,
                Map.of("CamelOntapOperationId", "o-1")); // the outbox again after a crash: the broker drops the copy
        template.sendBodyAndHeaders(EmbeddedBroker.outcomesSinkUri("ontap.outcomes"), outcome.replace("o-1", "o-2"),
                Map.of("CamelOntapOperationId", "o-2"));

        // selected by id: the only queue a client may consume is shared by this class's tests
        try (Connection c = client.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue("ontap.outcomes"), "ontap_outcome_id = 'o-1'");
            Message m = consumer.receive(5_000);
            assertThat(m).isInstanceOf(TextMessage.class);
            assertThat(((TextMessage) m).getText()).isEqualTo(outcome);
            assertThat(m.getStringProperty("ontap_outcome_id")).isEqualTo("o-1");
            assertThat(m.getJMSDeliveryMode()).isEqualTo(DeliveryMode.PERSISTENT);
            assertThat(consumer.receive(300)).as("the second copy of o-1").isNull();
        }

        var login = service.brokerLogin();
        try (Socket socket = new Socket("127.0.0.1", brokerPort)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:" + login.user() + "\npasscode:" + login.password() + "\n\n\0")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("CONNECTED");
            out.write("SUBSCRIBE\nid:0\ndestination:ontap.outcomes\ndestination-type:ANYCAST\nack:auto\nselector:ontap_outcome_id = 'o-2'\n\n\0"
                    .getBytes(StandardCharsets.UTF_8));
            String message = frame(in);
            assertThat(message).startsWith("MESSAGE").contains("\nontap_outcome_id:o-2\n").endsWith(outcome.replace("o-1", "o-2"));
            out.write("DISCONNECT\n\n\0".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void outcomesAreConsumedByAnAmqpClient() throws Exception {
        String outcome = "{\"specversion\":\"1.0\",\"id\":\"o-amqp\",\"type\":\"ontap.operation.succeeded\"}";
        service.context().createProducerTemplate().sendBodyAndHeaders(EmbeddedBroker.outcomesSinkUri("ontap.outcomes"), outcome,
                Map.of("CamelOntapOperationId", "o-amqp"));

        // Qpid JMS speaks AMQP 1.0 only: what Python (proton), .NET or Node AMQP consumers see too
        var login = service.brokerLogin();
        var amqp = new org.apache.qpid.jms.JmsConnectionFactory(login.user(), login.password(), "amqp://127.0.0.1:" + brokerPort);
        try (Connection c = amqp.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            Message m = s.createConsumer(s.createQueue("ontap.outcomes"), "ontap_outcome_id = 'o-amqp'").receive(5_000);
            assertThat(m).isInstanceOf(TextMessage.class);
            assertThat(((TextMessage) m).getText()).isEqualTo(outcome);
            assertThat(m.getStringProperty(EmbeddedBroker.OUTCOME_ID_PROPERTY)).isEqualTo("o-amqp");
        }
    }

    /** One STOMP frame, up to its NUL; heart-beat newlines before it are skipped. */
    static String frame(InputStream in) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int b = in.read(); b != 0; b = in.read()) {
            if (b < 0) {
                throw new java.io.EOFException("connection closed: " + buf);
            }
            if (buf.size() == 0 && (b == '\n' || b == '\r')) {
                continue;
            }
            buf.write(b);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}

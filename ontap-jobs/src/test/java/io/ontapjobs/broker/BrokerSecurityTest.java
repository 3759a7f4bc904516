package io.ontapjobs.broker;

import static io.ontapjobs.broker.BrokerQueuesTest.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker's logins, over real TCP: nobody gets in without one (CORE, AMQP, STOMP), and the client login
 * (here set with ontap.broker.user / ontap.broker.password) may send requests and consume outcomes, nothing else.
 */
class BrokerSecurityTest {
    static final String USER = "app";
    static final String PASSWORD = "Client-pw-7Hq2x9LmZ4";
    static final String VOLUME_REQUEST = "{\"id\":\"%s\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"v\"}}";
    @TempDir
    static Path tmp;
    static RunningService service;
    static String tcp;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.in(tmp).scenarios("scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 100ms}\n")
                .property("ontap.broker.user", USER).property("ontap.broker.password", PASSWORD).start();
        tcp = "tcp://127.0.0.1:" + service.brokerPort;
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    /** Sends a request as the client and waits for its outcome file: the queue intake works and has caught up. */
    static void runAsClient(String id) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(tcp, USER, PASSWORD);
             Connection c = cf.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(String.format(VOLUME_REQUEST, id)));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/queue." + id + ".json"))); // the queue's ids: "queue.<id>"
    }

    @Test
    void stompSendWithoutLoginIsRefusedAndTheRequestNeverRuns() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.brokerPort)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("CONNECT\naccept-version:1.2\nhost:localhost\n\n\0".getBytes(StandardCharsets.UTF_8));
            out.write(("SEND\ndestination:ontap.requests\ndestination-type:ANYCAST\nreceipt:r1\ncontent-type:application/json\n\n"
                    + String.format(VOLUME_REQUEST, "stomp-anon") + "\0").getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("ERROR");
        }
        // a request sent after it runs; by then the refused one would have been taken too, had it been queued
        runAsClient("after-stomp-anon");
        assertThat(tmp.resolve("outcomes/queue.stomp-anon.json")).doesNotExist();
        assertThat(service.get("/api/v1/operations/queue.stomp-anon").statusCode()).as("recorded?").isEqualTo(404);
    }

    @Test
    void stompWithTheClientLoginSendsARequestThatRuns() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.brokerPort)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:" + USER + "\npasscode:" + PASSWORD + "\n\n\0")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("CONNECTED");
            out.write(("SEND\ndestination:ontap.requests\ndestination-type:ANYCAST\nreceipt:r1\n\n"
                    + String.format(VOLUME_REQUEST, "stomp-vol") + "\0").getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("RECEIPT").contains("receipt-id:r1");
            // the outcomes queue is the client's to read, not to write
            out.write("SEND\ndestination:ontap.outcomes\ndestination-type:ANYCAST\nreceipt:r2\n\n{\"forged\":true}\0"
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("ERROR");
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/queue.stomp-vol.json")));
    }

    @Test
    void amqpAnonymousIsRefused() {
        // no user: Qpid JMS would pick ANONYMOUS; the acceptor offers PLAIN only
        assertThatThrownBy(() -> connectAndStart(new JmsConnectionFactory("amqp://127.0.0.1:" + service.brokerPort)))
                .isInstanceOf(JMSException.class);
        assertThatThrownBy(() -> connectAndStart(new JmsConnectionFactory("amqp://127.0.0.1:" + service.brokerPort + "?amqp.saslMechanisms=ANONYMOUS")))
                .isInstanceOf(JMSException.class);
        assertThatThrownBy(() -> connectAndStart(new JmsConnectionFactory(USER, "wrong", "amqp://127.0.0.1:" + service.brokerPort)))
                .isInstanceOf(JMSException.class);
    }

    @Test
    void coreWithoutCredentialsOrWithAWrongPasswordIsRefused() {
        assertThatThrownBy(() -> connectAndStart(new ActiveMQConnectionFactory(tcp))).isInstanceOf(JMSSecurityException.class);
        assertThatThrownBy(() -> connectAndStart(new ActiveMQConnectionFactory(tcp, USER, "wrong"))).isInstanceOf(JMSSecurityException.class);
        assertThatThrownBy(() -> connectAndStart(new ActiveMQConnectionFactory(tcp, "ontap-service-internal", "")))
                .isInstanceOf(JMSSecurityException.class);
    }

    static void connectAndStart(jakarta.jms.ConnectionFactory cf) throws JMSException {
        try (Connection c = cf.createConnection()) {
            c.start();
        }
    }

    @Test
    void theClientSendsRequestsAndConsumesOutcomesAndNothingElse() throws Exception {
        runAsClient("core-vol");
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(tcp, USER, PASSWORD);
             Connection c = cf.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            Message m = s.createConsumer(s.createQueue("ontap.outcomes"), "ontap_outcome_id = 'queue.core-vol'").receive(15_000);
            assertThat(m).isInstanceOf(TextMessage.class);
            JsonNode outcome = new ObjectMapper().readTree(((TextMessage) m).getText());
            assertThat(outcome.at("/data/status").asText()).isEqualTo("succeeded");
            assertThat(s.createBrowser(s.createQueue("ontap.outcomes")).getEnumeration()).isNotNull(); // browsing is allowed

            for (String queue : new String[] {"ontap.outcomes", "ontap.requests.rejected", "DLQ", "someone.elses", "activemq.management"}) {
                assertThatThrownBy(() -> s.createProducer(s.createQueue(queue)).send(s.createTextMessage("{\"forged\":true}")))
                        .as("send to " + queue).isInstanceOf(JMSSecurityException.class);
            }
            assertThatThrownBy(() -> s.createConsumer(s.createQueue("ontap.requests"))).as("take requests")
                    .isInstanceOf(JMSSecurityException.class);
            assertThatThrownBy(() -> s.createBrowser(s.createQueue("ontap.requests")).getEnumeration()).as("browse requests")
                    .isInstanceOf(JMSSecurityException.class);
            assertThatThrownBy(() -> s.createConsumer(s.createQueue("ontap.requests.rejected"))).as("read rejected")
                    .isInstanceOf(JMSSecurityException.class);
            assertThatThrownBy(() -> s.createConsumer(s.createTopic("ontap.outcomes.copy"))).as("a subscription of its own")
                    .isInstanceOf(JMSSecurityException.class);
        }
        // nothing forged reached the outcomes queue: the service's own view of it holds no such message
        try (Connection c = service.context().getComponent("jms", org.apache.camel.component.jms.JmsComponent.class)
                .getConnectionFactory().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            var browse = s.createBrowser(s.createQueue("ontap.outcomes"), "ontap_outcome_id IS NULL").getEnumeration();
            assertThat(browse.hasMoreElements()).as("a message without an outcome id").isFalse();
        }
    }

    @Test
    void theServiceStaysReadyWithLoginsRequired() throws Exception {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var ready = service.get("/observe/health/ready?data=true");
            JsonNode broker = null;
            for (JsonNode check : new ObjectMapper().readTree(ready.body()).path("checks")) {
                if (check.path("name").asText().equals("broker")) {
                    broker = check;
                }
            }
            assertThat(broker).as(ready.body()).isNotNull();
            assertThat(broker.path("status").asText()).as(ready.body()).isEqualTo("UP");
        });
    }
}

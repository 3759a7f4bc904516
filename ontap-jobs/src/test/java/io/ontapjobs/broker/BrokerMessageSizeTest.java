package io.ontapjobs.broker;

import static io.ontapjobs.broker.BrokerQueuesTest.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.RunningService;
import io.ontapjobs.service.OntapJobsConfiguration;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sizes on the embedded broker: a client's message larger than the broker takes is refused as an error to the
 * client on every protocol, and leaves no large-message file; one the broker takes but that is over 1 MiB is refused
 * unread by the queue route, leaving on {@code <requests>.rejected} the reason and an empty body (never the copy);
 * {@code <requests>.rejected} is bounded in size ({@code ontap.requests.rejected.max-size}) and age
 * ({@code ontap.requests.rejected.expiry}); the service goes on running requests.
 */
class BrokerMessageSizeTest {
    static final String USER = "app";
    static final String PASSWORD = "Client-pw-Size-8Tr2";
    static final String REQUEST = "{\"id\":\"%s\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"v\"}}";
    static final String SCENARIOS = "scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 50ms}\n";
    @TempDir
    static Path tmp;
    static RunningService service;

    enum Protocol { STOMP, AMQP, CORE }

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.in(tmp).scenarios(SCENARIOS)
                .property("ontap.broker.user", USER).property("ontap.broker.password", PASSWORD)
                .property("ontap.requests.rejected.max-size", "96KB").start();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aMessageLargerThanTheBrokerTakesIsAnErrorToTheClient(Protocol protocol) throws Exception {
        byte[] huge = ("{\"id\":\"huge\",\"x\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(send(service, protocol, huge, false)).as("a 3 MiB message was taken").isFalse();
        Path large = tmp.resolve("data/broker/large-messages");
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.isDirectory(large) || isEmpty(large));
        String id = "after-huge-" + protocol.name().toLowerCase();
        assertThat(send(service, protocol, String.format(REQUEST, id).getBytes(StandardCharsets.UTF_8), false)).isTrue();
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/queue." + id + ".json")));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRequestOverOneMibIsRefusedUnreadAndOnlyItsReasonIsKept(Protocol protocol) throws Exception {
        // a bytes message of 1.5 MiB: within what the broker takes, over what a request may be
        byte[] big = new byte[1536 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        assertThat(send(service, protocol, big, true)).as("the broker takes it").isTrue();
        Message copy = takeRejected(m -> m instanceof TextMessage t && reason(t).contains("larger than 1 MiB"));
        assertThat(copy).as("its rejected copy").isNotNull();
        assertThat(((TextMessage) copy).getText()).as("the copy's body").isEmpty();
        long expiry = copy.getJMSExpiration();
        long sevenDays = Duration.ofDays(7).toMillis();
        assertThat(expiry).as("expires after ontap.requests.rejected.expiry (7d)")
                .isBetween(System.currentTimeMillis() + sevenDays - 120_000, System.currentTimeMillis() + sevenDays + 1000);
        String id = "after-big-" + protocol.name().toLowerCase();
        assertThat(send(service, protocol, String.format(REQUEST, id).getBytes(StandardCharsets.UTF_8), false)).isTrue();
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/queue." + id + ".json")));
    }

    @Test
    void theRejectedQueueIsBoundedAndTheServiceGoesOn() throws Exception {
        drainRejected();
        String bad = "{\"method\":\"GET\",\"path\":\"/api/storage/volumes\",\"pad\":\"" + "p".repeat(20 * 1024) + "\"}";
        for (int i = 0; i < 30; i++) {
            assertThat(send(service, Protocol.CORE, bad.getBytes(StandardCharsets.UTF_8), false)).isTrue();
        }
        // every one was taken from the requests queue, then a valid request still runs
        String id = "after-rejects";
        assertThat(send(service, Protocol.CORE, String.format(REQUEST, id).getBytes(StandardCharsets.UTF_8), false)).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(tmp.resolve("outcomes/queue." + id + ".json")));
        var broker = service.context().getRegistry().lookupByNameAndType("ontapEmbeddedBroker", EmbeddedBroker.class).server();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.locateQueue(SimpleString.of("ontap.requests")).getMessageCount() == 0);
        long kept = broker.locateQueue(SimpleString.of("ontap.requests.rejected")).getMessageCount();
        // 96 KB holds at most three of these copies (CORE text: two bytes a character), not thirty
        assertThat(kept).as("copies kept in ontap.requests.rejected (max-size 96KB)").isBetween(1L, 4L);
        drainRejected();
    }

    @Test
    void anUnreadableLimitStopsStartUpNamingTheKey() throws Exception {
        for (String[] bad : new String[][] {{"ontap.requests.rejected.max-size", "lots"}, {"ontap.requests.rejected.expiry", "soon"},
                {"ontap.requests.rejected.max-size", "0MB"}}) {
            Path dir = Files.createTempDirectory(tmp, "bad");
            assertThatThrownBy(() -> RunningService.in(dir).scenarios(SCENARIOS).property(bad[0], bad[1]).start().close())
                    .satisfies(e -> {
                        Throwable c = e;
                        while (c != null && !(c instanceof OntapJobsConfiguration.ConfigurationError)) {
                            c = c.getCause();
                        }
                        assertThat(c).as("a ConfigurationError (exit 2)").isNotNull();
                        assertThat(c.getMessage()).startsWith(bad[0] + ": '" + bad[1] + "'");
                    });
        }
    }

    // --- helpers ---

    static boolean isEmpty(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    static String reason(Message m) {
        try {
            String r = m.getStringProperty("OntapRejectReason");
            return r == null ? "" : r;
        } catch (JMSException e) {
            return "";
        }
    }

    /** Sends {@code body} as the client: as bytes (STOMP with content-length) or text; false when the broker refused it. */
    static boolean send(RunningService s, Protocol protocol, byte[] body, boolean bytes) throws Exception {
        return switch (protocol) {
            case STOMP -> stomp(s, body, bytes);
            case AMQP -> jms(new JmsConnectionFactory(USER, PASSWORD, "amqp://127.0.0.1:" + s.brokerPort), body, bytes);
            case CORE -> {
                try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + s.brokerPort, USER, PASSWORD)) {
                    yield jms(cf, body, bytes);
                }
            }
        };
    }

    static boolean jms(ConnectionFactory cf, byte[] body, boolean bytes) throws JMSException {
        try (Connection c = cf.createConnection(); Session session = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            Message m;
            if (bytes) {
                BytesMessage b = session.createBytesMessage();
                b.writeBytes(body);
                m = b;
            } else {
                m = session.createTextMessage(new String(body, StandardCharsets.UTF_8));
            }
            try {
                session.createProducer(session.createQueue("ontap.requests")).send(m);
                return true;
            } catch (JMSException refused) {
                return false;
            }
        }
    }

    static boolean stomp(RunningService s, byte[] body, boolean bytes) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", s.brokerPort)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:" + USER + "\npasscode:" + PASSWORD + "\n\n\0")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("CONNECTED");
            out.write(("SEND\ndestination:ontap.requests\ndestination-type:ANYCAST\nreceipt:r\n"
                    + (bytes ? "content-length:" + body.length + "\n" : "") + "\n").getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.write(0);
            out.flush();
            String answer = frame(in);
            assertThat(answer).matches("(?s)(RECEIPT|ERROR).*");
            if (answer.startsWith("RECEIPT")) {
                out.write("DISCONNECT\n\n\0".getBytes(StandardCharsets.UTF_8));
            }
            return answer.startsWith("RECEIPT");
        }
    }

    static ConnectionFactory serviceFactory() {
        return service.context().getComponent("jms", JmsComponent.class).getConnectionFactory();
    }

    /** Takes messages from the rejected queue (as the service's user) until one matches. */
    static Message takeRejected(java.util.function.Predicate<Message> wanted) throws Exception {
        try (Connection c = serviceFactory().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue("ontap.requests.rejected"));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline) {
                Message m = consumer.receive(500);
                if (m != null && wanted.test(m)) {
                    return m;
                }
            }
            return null;
        }
    }

    static void drainRejected() throws Exception {
        try (Connection c = serviceFactory().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue("ontap.requests.rejected"));
            while (consumer.receive(300) != null) {
                // taken
            }
        }
    }
}

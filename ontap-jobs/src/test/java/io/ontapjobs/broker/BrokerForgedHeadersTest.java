package io.ontapjobs.broker;

import static io.ontapjobs.broker.BrokerQueuesTest.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.postoffice.DuplicateIDCache;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker client that puts headers on its messages (STOMP headers, AMQP application properties, CORE/JMS
 * properties), in every letter case, to steer where the service's rejection path sends a copy
 * ({@code CamelJmsDestinationName}), to forge an outcome ({@code ontap_outcome_id}), to have the broker drop the real
 * outcome as a duplicate ({@code _AMQ_DUPL_ID}) or to change what runs ({@code CamelOntapPath}, {@code cAmElOnTaPOperation}, the old {@code OntapPath}).
 * For each: the invalid message it sends lands on {@code ontap.requests.rejected} as its text and the reason, with
 * no property of its own; nothing reaches {@code ontap.outcomes} but the outbox's real outcome of the victim's
 * operation (sent with the same header, it still runs as written); the outcomes address's duplicate-id cache never
 * holds a key the client chose.
 */
class BrokerForgedHeadersTest {
    static final String USER = "app";
    static final String PASSWORD = "Client-pw-Forge-3kQ9";
    static final String OUTCOMES = "ontap.outcomes";
    static final String REJECTED = "ontap.requests.rejected";
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static RunningService service;
    static int counter;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.in(tmp).scenarios("scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 50ms}\n")
                .property("ontap.broker.user", USER).property("ontap.broker.password", PASSWORD).start();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    enum Protocol { STOMP, AMQP, CORE }

    /** A header family and letter case: the header's name, and its value for a victim id. */
    record Forged(String name, String valueTemplate) {
        String value(String victim) {
            return valueTemplate.replace("VICTIM", victim);
        }

        boolean duplicateId() {
            return name.equals("_AMQ_DUPL_ID");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        List<Forged> headers = List.of(
                new Forged("CamelJmsDestinationName", OUTCOMES),
                new Forged("CAMELJmsDestinationName", OUTCOMES),
                new Forged("CaMeLJmsDestinationName", OUTCOMES),
                new Forged("jmsDestination", "queue://" + OUTCOMES),
                new Forged("JMSXGroupID", OUTCOMES),
                new Forged("_AMQ_DUPL_ID", "ontap-outcome:VICTIM"),
                new Forged("ontap_outcome_id", "VICTIM"),
                new Forged("ONTAP_OUTCOME_ID", "VICTIM"),
                new Forged("OntapPath", "/api/cluster/jobs"), // the headers' old names
                new Forged("CamelOntapPath", "/api/cluster/jobs"),
                new Forged("CAMELONTAPPATH", "/api/cluster/jobs"),
                new Forged("cAmElOnTaPOperation", "cancel"),
                new Forged("ONTAPPATH", "/api/cluster/jobs"),
                new Forged("oNtApOperation", "cancel"),
                new Forged("ontapMethod", "DELETE"));
        List<Arguments> all = new ArrayList<>();
        for (Protocol p : Protocol.values()) {
            for (Forged h : headers) {
                all.add(Arguments.of(p, h));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void aForgedHeaderSteersNothingAndTheRealOutcomeArrives(Protocol protocol, Forged header) throws Exception {
        String sent = "victim-" + protocol.name().toLowerCase(Locale.ROOT) + "-" + (++counter);
        String victim = "queue." + sent; // the id its outcome carries (a queue request's id gets the queue's prefix)
        String forgedBody = "{\"id\":\"" + victim + "\",\"forged\":true,\"data\":{\"status\":\"succeeded\"}}";
        Map<String, String> forgedHeaders = new LinkedHashMap<>();
        forgedHeaders.put(header.name(), header.value(victim));
        forgedHeaders.put("ontap_outcome_id", victim);
        if (header.duplicateId()) {
            forgedHeaders.put("CAMELJmsDestinationName", OUTCOMES); // the whole attack of the report
        }

        boolean accepted = send(protocol, forgedBody, forgedHeaders);
        if (header.duplicateId()) {
            // the outbox's duplicate ids are the service's: the broker refuses the send, as an error to the client
            assertThat(accepted).as("a client's _AMQ_DUPL_ID with the outbox's prefix is refused").isFalse();
        } else {
            assertThat(accepted).as("the broker took the message").isTrue();
            Message copy = rejectedCopy(forgedBody);
            assertThat(copy).as("the forged message's copy on " + REJECTED).isNotNull();
            assertThat(copy.getStringProperty("OntapRejectReason")).as("its reason").isNotBlank();
            for (String name : Collections.list((java.util.Enumeration<String>) copy.getPropertyNames())) {
                assertThat(name.equalsIgnoreCase(header.name()) || name.equalsIgnoreCase("ontap_outcome_id")
                        || name.equals("_AMQ_DUPL_ID")).as("the copy carries the client's property " + name).isFalse();
            }
        }
        assertThat(outcomesOf(victim)).as("outcomes of %s before it ran (forged)", victim).isEmpty();
        assertThat(duplicateCacheHolds(OUTCOMES, victim)).as("the outcomes' duplicate cache holds the client's key").isFalse();
        assertThat(duplicateCacheHolds(REJECTED, victim)).as("the rejected queue's duplicate cache holds the client's key").isFalse();

        // the victim's own request, with the same header (but no duplicate id): it runs as written, to one real outcome
        Map<String, String> victimHeaders = header.duplicateId() ? Map.of() : Map.of(header.name(), header.value(victim));
        String request = "{\"id\":\"" + sent + "\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"v\"}}";
        assertThat(send(protocol, request, victimHeaders)).as("the victim's request was taken").isTrue();
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/" + victim + ".json")));
        List<JsonNode> outcomes = consumeOutcomes(victim);
        assertThat(outcomes).as("outcomes of %s on %s", victim, OUTCOMES).hasSize(1);
        JsonNode real = outcomes.get(0);
        assertThat(real.path("forged").isMissingNode()).as(real.toString()).isTrue();
        assertThat(real.at("/data/status").asText()).as(real.toString()).isEqualTo("succeeded");
        assertThat(real.at("/data/operation/method").asText()).isEqualTo("POST");
        assertThat(real.at("/data/operation/path").asText()).isEqualTo("/api/storage/volumes");
        assertThat(real.at("/data/requested_by").asText()).isEqualTo("queue");
    }

    // --- the three protocols, as users' programs speak them ---

    /** Sends as the client; false when the broker refused the send (an error the client sees). */
    static boolean send(Protocol protocol, String body, Map<String, String> headers) throws Exception {
        return switch (protocol) {
            case STOMP -> sendStomp(body, headers);
            case AMQP -> sendJms(new JmsConnectionFactory(USER, PASSWORD,
                    "amqp://127.0.0.1:" + service.brokerPort + "?jms.validatePropertyNames=false"), body, headers);
            case CORE -> {
                try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + service.brokerPort, USER, PASSWORD)) {
                    yield sendJms(cf, body, headers);
                }
            }
        };
    }

    static boolean sendJms(ConnectionFactory cf, String body, Map<String, String> headers) throws JMSException {
        try (Connection c = cf.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            TextMessage m = s.createTextMessage(body);
            for (Map.Entry<String, String> h : headers.entrySet()) {
                m.setStringProperty(h.getKey(), h.getValue());
            }
            try {
                s.createProducer(s.createQueue("ontap.requests")).send(m); // persistent: the broker's answer is awaited
                return true;
            } catch (JMSException refused) {
                return false;
            }
        }
    }

    static boolean sendStomp(String body, Map<String, String> headers) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.brokerPort)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:" + USER + "\npasscode:" + PASSWORD + "\n\n\0")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(frame(in)).startsWith("CONNECTED");
            StringBuilder f = new StringBuilder("SEND\ndestination:ontap.requests\ndestination-type:ANYCAST\nreceipt:r\n");
            headers.forEach((k, v) -> f.append(escape(k)).append(':').append(escape(v)).append('\n'));
            f.append('\n').append(body).append('\0');
            out.write(f.toString().getBytes(StandardCharsets.UTF_8));
            String answer = frame(in);
            assertThat(answer).matches("(?s)(RECEIPT|ERROR).*");
            if (answer.startsWith("RECEIPT")) {
                out.write("DISCONNECT\n\n\0".getBytes(StandardCharsets.UTF_8));
            }
            return answer.startsWith("RECEIPT");
        }
    }

    /** STOMP 1.2 header escaping: a colon in a value is {@code \c} (Artemis drops a bare one). */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\c").replace("\n", "\\n").replace("\r", "\\r");
    }

    // --- what the service and the broker hold, looked at as the service's own user ---

    static ConnectionFactory serviceFactory() {
        return service.context().getComponent("jms", JmsComponent.class).getConnectionFactory();
    }

    /** Takes messages from the rejected queue until the one with this text (earlier cases' copies are taken too). */
    static Message rejectedCopy(String body) throws Exception {
        try (Connection c = serviceFactory().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue(REJECTED));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline) {
                Message m = consumer.receive(500);
                if (m instanceof TextMessage t && body.equals(t.getText())) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Browses the outcomes queue for messages that say they are this operation's outcome. */
    static List<String> outcomesOf(String id) throws Exception {
        List<String> found = new ArrayList<>();
        try (Connection c = serviceFactory().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            var e = s.createBrowser(s.createQueue(OUTCOMES), "ontap_outcome_id = '" + id + "'").getEnumeration();
            while (e.hasMoreElements()) {
                found.add(String.valueOf(e.nextElement()));
            }
        }
        return found;
    }

    /** Consumes, as the client, every outcome message with this id; waits a little for a second one. */
    static List<JsonNode> consumeOutcomes(String id) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + service.brokerPort, USER, PASSWORD);
             Connection c = cf.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue(OUTCOMES), "ontap_outcome_id = '" + id + "'");
            Message first = consumer.receive(10_000);
            for (Message m = first; m != null; m = consumer.receive(300)) {
                found.add(JSON.readTree(((TextMessage) m).getText()));
            }
        }
        return found;
    }

    /** Whether the broker's duplicate-id cache of this address holds the outbox's key of this outcome id. */
    static boolean duplicateCacheHolds(String address, String id) {
        EmbeddedBroker broker = service.context().getRegistry().lookupByNameAndType("ontapEmbeddedBroker", EmbeddedBroker.class);
        DuplicateIDCache cache = broker.server().getPostOffice().getDuplicateIDCache(SimpleString.of(address));
        String key = OutcomeMessageStrategy.DUPLICATE_ID_PREFIX + id;
        return cache.contains(SimpleString.of(key).getData()) || cache.contains(key.getBytes(StandardCharsets.UTF_8));
    }
}

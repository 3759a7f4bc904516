package io.ontapjobs;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/ontap-jobs.jar at -Xmx256m, its embedded broker sent 300 requests of 1.25 MiB by a logged-in client over STOMP,
 * CORE and AMQP: each is refused as an error to the client (the broker's limit) or taken and refused unread by the
 * queue route with a reason (never read whole, never copied whole into the rejected queue); health answers
 * throughout, the heap survives, and a valid request sent after them runs to its outcome.
 */
class HostileQueueClientsIT {
    static final Path JAR = Path.of("target/ontap-jobs.jar").toAbsolutePath();
    static final String PASSWORD = "Hostile-queue-pw-5Zx8";
    static final int MESSAGES = 300;
    @TempDir
    Path tmp;

    @Test
    void threeHundredOversizedMessagesLeaveAReasonEachAndTheServiceRunning() throws Exception {
        int port = RunningService.freePort();
        int brokerPort = RunningService.freePort();
        Path scenarios = tmp.resolve("scenarios.yaml"); // a volume made in 100 ms (the demo's takes 12 s)
        Files.writeString(scenarios, "scenarios:\n  - {method: POST, path: /api/storage/volumes, duration: 100ms}\n");
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx256m", "-Dontap.simulator.enabled=true",
                "-Dontap.simulator.scenarios=" + scenarios, "-jar", JAR.toString(), "serve")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile());
        pb.environment().put("ONTAP_API_PORT", String.valueOf(port));
        pb.environment().put("ONTAP_BROKER_PORT", String.valueOf(brokerPort));
        pb.environment().put("ONTAP_BROKER_PASSWORD", PASSWORD);
        Process serve = pb.start();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> !serve.isAlive() || probe(port) >= 0);
            assertThat(serve.isAlive()).as(log()).isTrue();

            // 1.25 MiB: over what a request may be; as CORE text (STOMP) 2.5 MiB, over the broker's limit too
            byte[] oversized = ("{\"id\":\"big\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"x\":\""
                    + "x".repeat(1280 * 1024) + "\"}}").getBytes(StandardCharsets.UTF_8);
            long started = System.nanoTime();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger taken = new AtomicInteger();
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int lane = t % 3; // two senders a protocol, each with one connection
                senders.add(pool.submit(() -> {
                    try (Sender sender = Sender.open(lane, brokerPort)) {
                        while (next.getAndIncrement() < MESSAGES) {
                            (sender.send(oversized) ? taken : refused).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            // health on a new connection each time, as a prober does, while the messages arrive
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicLong slowest = new AtomicLong();
            int samples = 0;
            while (sending.get()) {
                long ms = probe(port);
                assertThat(ms).as("health answered 200 (sample %d)\n%s", samples, tail()).isBetween(0L, 2000L);
                slowest.accumulateAndGet(ms, Math::max);
                samples++;
                sending.set(senders.stream().anyMatch(f -> !f.isDone()));
            }
            for (Future<?> f : senders) {
                f.get(60, TimeUnit.SECONDS); // a sender's own failure (not a refused send) fails the test
            }
            System.out.printf("%d oversized messages in %d ms: %d refused by the broker, %d taken; %d health samples, slowest %d ms%n",
                    MESSAGES, (System.nanoTime() - started) / 1_000_000, refused.get(), taken.get(), samples, slowest.get());
            assertThat(refused.get() + taken.get()).isEqualTo(MESSAGES);
            assertThat(refused.get()).as("refused by the broker (STOMP text: 2.5 MiB as the broker holds it)").isGreaterThan(0);
            assertThat(taken.get()).as("taken by the broker (1.25 MiB bytes and AMQP text fit its limit)").isGreaterThan(0);

            // every message taken leaves its reason: one WARN line each, naming the size, never the body
            Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> !serve.isAlive()
                    || count(log(), "rejected: larger than 1 MiB") >= taken.get());
            assertThat(serve.isAlive()).as(tail()).isTrue();
            assertThat(count(log(), "rejected: larger than 1 MiB")).as("reasons logged").isEqualTo(taken.get());
            assertThat(log()).doesNotContain("OutOfMemoryError").doesNotContain("Java heap space").doesNotContain("xxxxxxxx");
            assertThat(probe(port)).as("health after").isBetween(0L, 2000L);
            // no copy of them kept: the broker's large-message files (where 300 copies of 1.25 MiB would be) stay small
            Path large = tmp.resolve("data/broker/large-messages");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> bytesUnder(large) < 8L * 1024 * 1024);

            // nothing lost: a valid request sent after them runs to its outcome
            try (Sender core = Sender.open(1, brokerPort)) {
                assertThat(core.sendText("{\"id\":\"after-oversized\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"v\"}}"))
                        .isTrue();
            }
            Path outcome = tmp.resolve("outcomes/queue.after-oversized.json");
            long sent = System.nanoTime();
            long deadline = sent + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(outcome) && System.nanoTime() < deadline) {
                Thread.sleep(200); // polling an observable condition with a deadline
            }
            assertThat(outcome).as("the valid request's outcome\n%s", tail()).exists();
            System.out.printf("the valid request's outcome after %d ms%n", (System.nanoTime() - sent) / 1_000_000);
            assertThat(Files.readString(tmp.resolve("outcomes/queue.after-oversized.json"))).contains("\"succeeded\"");
        } finally {
            pool.shutdownNow();
            serve.destroy();
            if (!serve.waitFor(20, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
    }

    /** One client connection: lane 0 STOMP text, 1 CORE bytes message, 2 AMQP text. */
    interface Sender extends AutoCloseable {
        /** false when the broker refused it as an error to the client. */
        boolean send(byte[] body) throws Exception;

        default boolean sendText(String text) throws Exception {
            return send(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        void close() throws Exception;

        static Sender open(int lane, int brokerPort) throws Exception {
            return switch (lane) {
                case 0 -> new Stomp(brokerPort);
                case 1 -> new Jms(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "ontap-client", PASSWORD), true);
                default -> new Jms(new JmsConnectionFactory("ontap-client", PASSWORD, "amqp://127.0.0.1:" + brokerPort), false);
            };
        }
    }

    static final class Jms implements Sender {
        private final Connection connection;
        private final Session session;
        private final boolean bytes;

        Jms(jakarta.jms.ConnectionFactory cf, boolean bytes) throws JMSException {
            this.connection = cf.createConnection();
            this.session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            this.bytes = bytes;
        }

        @Override
        public boolean send(byte[] body) throws JMSException {
            jakarta.jms.Message m;
            if (bytes && body.length > 1024) {
                BytesMessage b = session.createBytesMessage();
                b.writeBytes(body);
                m = b;
            } else {
                m = session.createTextMessage(new String(body, StandardCharsets.UTF_8));
            }
            try {
                session.createProducer(session.createQueue("ontap.requests")).send(m); // persistent: the answer is awaited
                return true;
            } catch (JMSException refused) {
                return false;
            }
        }

        @Override
        public void close() throws JMSException {
            connection.close();
        }
    }

    static final class Stomp implements Sender {
        private final int port;

        Stomp(int port) {
            this.port = port;
        }

        /** A connection per message: the broker answers a refused SEND with ERROR and closes the connection. */
        @Override
        public boolean send(byte[] body) throws IOException {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                out.write(("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:ontap-client\npasscode:" + PASSWORD + "\n\n\0")
                        .getBytes(StandardCharsets.UTF_8));
                String connected = frame(in);
                if (!connected.startsWith("CONNECTED")) {
                    throw new IOException("STOMP login refused: " + connected);
                }
                out.write("SEND\ndestination:ontap.requests\ndestination-type:ANYCAST\nreceipt:r\n\n".getBytes(StandardCharsets.UTF_8));
                out.write(body);
                out.write(0);
                out.flush();
                String answer = frame(in);
                if (answer.startsWith("RECEIPT")) {
                    out.write("DISCONNECT\n\n\0".getBytes(StandardCharsets.UTF_8));
                    return true;
                }
                if (answer.startsWith("ERROR")) {
                    return false;
                }
                throw new IOException("unexpected STOMP answer: " + answer);
            }
        }

        @Override
        public void close() {
        }

        private static String frame(InputStream in) throws IOException {
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

    /** Milliseconds for GET /observe/health/live on a new connection, or -1 when it did not answer 200 within 5 s. */
    private static long probe(int port) {
        long begun = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /observe/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 200") ? (System.nanoTime() - begun) / 1_000_000 : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static long bytesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("serve.log"));
    }

    private String tail() throws IOException {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}

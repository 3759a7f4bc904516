package io.ontapjobs.ha;

import static org.awaitility.Awaitility.await;

import io.ontapjobs.broker.BrokerCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * An ActiveMQ Artemis broker in a process of its own, as a deployment has one: Artemis' binary distribution (the
 * archive Maven resolved, unpacked once under target/), a broker instance made with {@code bin/artemis create} and
 * run with {@code bin/artemis run}. Logins are required: the replicas' ({@link #service}, role {@code ontap-service}:
 * every queue, no management) and a client's ({@link #client}, role {@code ontap-client}: send requests, consume and
 * browse outcomes), the same rights the service's embedded broker gives. The queues are made at creation (anycast,
 * durable). {@link #close()} kills the process.
 */
final class ExternalArtemis implements AutoCloseable {
    /** Set by the ha-proof profile: the distribution archive ({@code apache-artemis-<version>-bin.tar.gz}). */
    static final String ARCHIVE_PROPERTY = "ontap.ha.proof.artemis";

    final BrokerCredentials service = new BrokerCredentials("ontap-replicas", "replicas-pw-" + Long.toHexString(System.nanoTime()));
    final BrokerCredentials client = new BrokerCredentials("client", "client-pw-" + Long.toHexString(System.nanoTime()));
    final int port;
    final Path instance;
    private final Process process;

    /**
     * Creates an instance in {@code instance} listening on 127.0.0.1:{@code port} with {@code queues}, starts it and
     * waits until the client can log in.
     *
     * @param requests the queue clients send to; {@code outcomes} the one they consume
     */
    ExternalArtemis(Path instance, int port, List<String> queues, String requests, String outcomes) throws Exception {
        this.port = port;
        this.instance = instance;
        Path home = distribution();
        List<String> create = new ArrayList<>(List.of(home.resolve("bin/artemis").toString(), "create", instance.toString(),
                "--silent", "--force", "--name", "ha-proof", "--host", "127.0.0.1", "--default-port", String.valueOf(port),
                "--user", service.user(), "--password", service.password(), "--role", "ontap-service", "--require-login",
                // no web console, no extra acceptors, no journal benchmark at creation; a small heap
                "--no-web", "--no-autotune", "--no-amqp-acceptor", "--no-mqtt-acceptor", "--no-stomp-acceptor",
                "--no-hornetq-acceptor", "--nio", "--java-memory", "512M", "--queues", String.join(",", queues)));
        run(create, instance.getParent().resolve("artemis-create.log"), Duration.ofSeconds(60));
        secure(requests, outcomes);
        ProcessBuilder pb = new ProcessBuilder(instance.resolve("bin/artemis").toString(), "run")
                .redirectErrorStream(true).redirectOutput(instance.resolve("artemis.log").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Artemis exited (" + process.exitValue() + "), see " + instance.resolve("artemis.log"));
                }
                try (ActiveMQConnectionFactory f = connectionFactory(client); var c = f.createConnection()) {
                    return true;
                }
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    long pid() {
        return process.pid();
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    ActiveMQConnectionFactory connectionFactory(BrokerCredentials login) {
        return new ActiveMQConnectionFactory(url() + "?reconnectAttempts=0", login.user(), login.password());
    }

    /** The distribution, unpacked from the archive once (target/artemis/apache-artemis-x.y.z). */
    private static Path distribution() throws Exception {
        String archive = System.getProperty(ARCHIVE_PROPERTY);
        if (archive == null || !Files.isRegularFile(Path.of(archive))) {
            throw new IllegalStateException("no Artemis distribution archive (" + ARCHIVE_PROPERTY + " = " + archive
                    + "): run with -Pha-proof, which resolves org.apache.activemq:apache-artemis:tar.gz:bin");
        }
        String name = Path.of(archive).getFileName().toString().replace("-bin.tar.gz", "");
        Path target = Path.of("target/artemis").toAbsolutePath();
        Path home = target.resolve(name);
        synchronized (ExternalArtemis.class) {
            if (!Files.isDirectory(home)) {
                // unpacked aside and renamed: a run cut short never leaves half a distribution to the next
                Path aside = Files.createDirectories(target).resolve(".unpacking-" + ProcessHandle.current().pid());
                Files.createDirectories(aside);
                run(List.of("tar", "-xzf", archive, "-C", aside.toString()), target.resolve("unpack.log"), Duration.ofSeconds(120));
                Files.move(aside.resolve(name), home, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                Files.delete(aside);
            }
        }
        return home;
    }

    /**
     * The rights of the service's embedded broker (EmbeddedBroker.secure): the replicas' role anything but manage on
     * every address; the client's role only send on the requests queue and consume and browse the outcomes queue.
     */
    private void secure(String requests, String outcomes) throws IOException {
        String service = """
                            <permission type="createNonDurableQueue" roles="ontap-service"/>
                            <permission type="deleteNonDurableQueue" roles="ontap-service"/>
                            <permission type="createDurableQueue" roles="ontap-service"/>
                            <permission type="deleteDurableQueue" roles="ontap-service"/>
                            <permission type="createAddress" roles="ontap-service"/>
                            <permission type="deleteAddress" roles="ontap-service"/>
                """;
        String settings = "<security-settings>\n"
                + "         <security-setting match=\"#\">\n" + service
                + "            <permission type=\"send\" roles=\"ontap-service\"/>\n"
                + "            <permission type=\"consume\" roles=\"ontap-service\"/>\n"
                + "            <permission type=\"browse\" roles=\"ontap-service\"/>\n"
                + "         </security-setting>\n"
                + "         <security-setting match=\"" + requests + "\">\n" + service
                + "            <permission type=\"send\" roles=\"ontap-service,ontap-client\"/>\n"
                + "            <permission type=\"consume\" roles=\"ontap-service\"/>\n"
                + "            <permission type=\"browse\" roles=\"ontap-service\"/>\n"
                + "         </security-setting>\n"
                + "         <security-setting match=\"" + outcomes + "\">\n" + service
                + "            <permission type=\"send\" roles=\"ontap-service\"/>\n"
                + "            <permission type=\"consume\" roles=\"ontap-service,ontap-client\"/>\n"
                + "            <permission type=\"browse\" roles=\"ontap-service,ontap-client\"/>\n"
                + "         </security-setting>\n"
                + "      </security-settings>";
        Path brokerXml = instance.resolve("etc/broker.xml");
        String xml = Files.readString(brokerXml);
        int from = xml.indexOf("<security-settings>");
        int to = xml.indexOf("</security-settings>") + "</security-settings>".length();
        if (from < 0 || to < from) {
            throw new IllegalStateException("no <security-settings> in " + brokerXml);
        }
        Files.writeString(brokerXml, xml.substring(0, from) + settings + xml.substring(to));
        // the JAAS properties login module takes plain passwords beside the hashed one create wrote
        Files.writeString(instance.resolve("etc/artemis-users.properties"), "\n" + client.user() + " = " + client.password() + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(instance.resolve("etc/artemis-roles.properties"), "\nontap-client = " + client.user() + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    private static void run(List<String> command, Path log, Duration within) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command.subList(0, 2)) + " took longer than " + within + ", see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command.subList(0, 2)) + " failed (" + p.exitValue() + "): "
                    + Files.readString(log));
        }
    }

    /** Kills the broker (its script execs the JVM: the process is the broker). */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.ontapjobs.broker;

import io.ontapjobs.files.FileModes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.remoting.server.RemotingService;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ActiveMQ Artemis broker in this process (a Camel service: it stops with the context). Persistent: journal,
 * bindings, paging and large messages under one directory (e.g. {@code <ontap.state.dir>/broker}), so a message
 * survives a restart. One TCP acceptor speaks CORE, AMQP and STOMP, so any client can consume; the service's own
 * connections use an in-VM acceptor of their own. Security is off: the acceptor listens on
 * {@code 127.0.0.1} unless configured otherwise.
 */
public class EmbeddedBroker extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final java.util.concurrent.atomic.AtomicInteger IN_VM_IDS = new java.util.concurrent.atomic.AtomicInteger();
    /** Where a message goes after {@value #MAX_DELIVERY_ATTEMPTS} failed deliveries (a consumer's rollbacks). */
    public static final String DEAD_LETTER_QUEUE = "DLQ";
    public static final String EXPIRY_QUEUE = "ExpiryQueue";
    static final int MAX_DELIVERY_ATTEMPTS = 10;
    private static final long LOCK_TIMEOUT_MS = 3000;
    /** The JMS property carrying an outcome's stable id (its CloudEvents id), for consumers that deduplicate. */
    public static final String OUTCOME_ID_PROPERTY = "ontap_outcome_id";

    private final Path dir;
    private final String host;
    private final int port;
    private final List<String> queues;
    private final String inVmUrl = "vm://" + IN_VM_IDS.getAndIncrement();
    private EmbeddedActiveMQ broker;

    /** The acceptor could not listen on host:port (in use, or not an address of this machine). */
    public static class AcceptorException extends RuntimeException {
        AcceptorException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The journal directory is locked by another broker (another service with the same state directory?) or unusable. */
    public static class JournalException extends RuntimeException {
        JournalException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param dir    the broker's data directory
     * @param queues durable anycast queues created at start (JMS queues; others are created on first use)
     */
    public EmbeddedBroker(Path dir, String host, int port, List<String> queues) {
        this.dir = dir;
        this.host = host;
        this.port = port;
        this.queues = List.copyOf(queues);
    }

    /** The in-VM acceptor, for connections from this process (one id per broker, so an earlier one never collides). */
    public String inVmUrl() {
        return inVmUrl;
    }

    /** The CORE URL of the TCP acceptor, e.g. {@code tcp://127.0.0.1:61616}. */
    public String tcpUrl() {
        return "tcp://" + host + ":" + port;
    }

    /**
     * The camel-jms URI an outcome is sent to: a persistent JMS TextMessage holding the CloudEvents JSON of the
     * exchange body, with the JMS property {@value #OUTCOME_ID_PROPERTY} set to the outcome id (header
     * {@code OntapOperationId}) and Artemis' duplicate-detection id set to it too, so the broker drops a second
     * copy of an outcome the outbox sends again after a crash. Never waits for a reply.
     */
    public static String outcomesSinkUri(String queue) {
        return "jms:queue:" + queue + "?deliveryPersistent=true&jmsMessageType=Text&exchangePattern=InOnly&disableReplyTo=true"
                + "&messageCreatedStrategy=" + URLEncoder.encode("#class:" + OutcomeMessageStrategy.class.getName(), StandardCharsets.UTF_8);
    }

    @Override
    protected void doStart() throws Exception {
        checkAddress();
        Configuration config = new ConfigurationImpl()
                .setName("ontap-jobs")
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(dir.resolve("journal").toString())
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setLargeMessagesDirectory(dir.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(dir.toString())
                .setJournalLockAcquisitionTimeout(LOCK_TIMEOUT_MS) // another process with this journal: fail, never hang
                .addAcceptorConfiguration("tcp", tcpUrl() + "?protocols=CORE,AMQP,STOMP")
                .addAcceptorConfiguration("in-vm", inVmUrl)
                .addAddressSetting("#", new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of(DEAD_LETTER_QUEUE))
                        .setExpiryAddress(SimpleString.of(EXPIRY_QUEUE))
                        .setMaxDeliveryAttempts(MAX_DELIVERY_ATTEMPTS)
                        .setRedeliveryDelay(1000)
                        .setRedeliveryMultiplier(2.0)
                        .setMaxRedeliveryDelay(60_000));
        for (String q : concat(queues, List.of(DEAD_LETTER_QUEUE, EXPIRY_QUEUE))) {
            config.addQueueConfiguration(QueueConfiguration.of(q).setAddress(q).setRoutingType(RoutingType.ANYCAST).setDurable(true));
        }
        // 0700: what keeps others out of the journal files Artemis makes later (it leaves their mode to the umask)
        FileModes.privateDirectory(dir, "Broker journal directory");
        broker = new EmbeddedActiveMQ().setConfiguration(config);
        try {
            broker.start();
        } catch (Exception e) {
            broker.stop();
            broker = null;
            throw new JournalException("cannot use the broker journal in " + dir + " (another process using it?): " + e.getMessage(), e);
        }
        if (!broker.getActiveMQServer().isActive()) {
            broker.stop();
            broker = null;
            throw new JournalException("the broker journal in " + dir + " is locked by another process", null);
        }
        RemotingService remoting = broker.getActiveMQServer().getRemotingService();
        if (remoting.getAcceptor("tcp") == null || !remoting.getAcceptor("tcp").isStarted()
                || remoting.getAcceptor("in-vm") == null || !remoting.getAcceptor("in-vm").isStarted()) {
            broker.stop();
            throw new AcceptorException("cannot listen on " + host + ":" + port, null);
        }
        FileModes.tightenTree(dir); // the files it made at start (journal, bindings, lock): 0600, folders 0700
        LOG.info("Embedded ActiveMQ Artemis broker: {} (CORE, AMQP, STOMP), journal in {}, queues {}", tcpUrl(), dir, queues);
    }

    @Override
    protected void doStop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }

    /** Fails with one sentence when the acceptor's address is taken or is not this machine's; start-up checks it early. */
    public void checkAddress() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as Netty binds: a port in TIME_WAIT is free
            s.bind(new InetSocketAddress(host, port));
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            throw new AcceptorException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")", e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).distinct().toList();
    }
}

package io.ontapjobs.broker;

import io.ontapjobs.files.FileModes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.remoting.server.RemotingService;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ActiveMQ Artemis broker in this process (a Camel service: it stops with the context). Persistent: journal,
 * bindings, paging and large messages under one directory (e.g. {@code <ontap.state.dir>/broker}), so a message
 * survives a restart. One TCP acceptor speaks CORE, AMQP and STOMP, so any client can consume; the service's own
 * connections use an in-VM acceptor of their own.
 * <p>
 * Every connection logs in (no anonymous login on any protocol). The service's own user has a random password made
 * for this broker instance and kept in memory only; it may do anything but manage the broker. The client login
 * ({@link #clientLogin}) may send to the requests queue and consume or browse the outcomes queue, nothing else.
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
    /** The service's own login: never written anywhere, a new password for every broker instance. */
    private final BrokerCredentials service = new BrokerCredentials(SERVICE_USER, BrokerCredentials.randomSecret());
    private BrokerCredentials client;
    private String requestsQueue;
    private String outcomesQueue;
    private long rejectedMaxBytes = DEFAULT_REJECTED_MAX_BYTES;
    private java.time.Duration rejectedExpiry = DEFAULT_REJECTED_EXPIRY;
    private EmbeddedActiveMQ broker;
    /** {@code ontap.requests.rejected.max-size} when not set: 10 MB. */
    public static final long DEFAULT_REJECTED_MAX_BYTES = 10L * 1024 * 1024;
    /** {@code ontap.requests.rejected.expiry} when not set: 7 days. */
    public static final java.time.Duration DEFAULT_REJECTED_EXPIRY = java.time.Duration.ofDays(7);

    /** The user of the service's own connections; a client login may not take it. */
    public static final String SERVICE_USER = "ontap-service-internal";
    private static final String SERVICE_ROLE = "ontap-service";
    private static final String CLIENT_ROLE = "ontap-client";

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

    /**
     * The login of clients (users' programs): they may send to {@code requestsQueue} and consume or browse
     * {@code outcomesQueue}, nothing else. Without it, only the service's own user can log in.
     */
    public EmbeddedBroker clientLogin(BrokerCredentials login, String requestsQueue, String outcomesQueue) {
        if (SERVICE_USER.equals(login.user())) {
            throw new IllegalArgumentException("the user '" + SERVICE_USER + "' is the service's own");
        }
        this.client = login;
        this.requestsQueue = requestsQueue;
        this.outcomesQueue = outcomesQueue;
        return this;
    }

    /**
     * Bounds of {@code <requests>.rejected}, which no client can consume: at most {@code maxBytes} (a copy that does
     * not fit is refused, the route logs it), each copy dropped after {@code expiry}.
     */
    public EmbeddedBroker rejectedLimits(long maxBytes, java.time.Duration expiry) {
        this.rejectedMaxBytes = maxBytes;
        this.rejectedExpiry = expiry;
        return this;
    }

    /** The running Artemis server (tests look at its duplicate-id caches); null when stopped. */
    public org.apache.activemq.artemis.core.server.ActiveMQServer server() {
        return broker == null ? null : broker.getActiveMQServer();
    }

    /** The service's own login (for connections from this process only; never log or store its password). */
    public BrokerCredentials serviceLogin() {
        return service;
    }

    /** A connection factory for this process: the in-VM acceptor, as the service's own user. */
    public ActiveMQConnectionFactory serviceConnectionFactory() {
        return new ActiveMQConnectionFactory(inVmUrl, service.user(), service.password());
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
     * {@code CamelOntapOperationId}) and Artemis' duplicate-detection id set to it too, so the broker drops a second
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
                .setSecurityEnabled(true)
                .setJMXManagementEnabled(false)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(dir.resolve("journal").toString())
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setLargeMessagesDirectory(dir.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(dir.toString())
                .setJournalLockAcquisitionTimeout(LOCK_TIMEOUT_MS) // another process with this journal: fail, never hang
                // AMQP: PLAIN only, so a client cannot even ask for ANONYMOUS (the login module refuses it too)
                .addAcceptorConfiguration("tcp", tcpUrl() + "?protocols=CORE,AMQP,STOMP;saslMechanisms=PLAIN")
                .addAcceptorConfiguration("in-vm", inVmUrl)
                .addAddressSetting("#", new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of(DEAD_LETTER_QUEUE))
                        .setExpiryAddress(SimpleString.of(EXPIRY_QUEUE))
                        .setMaxDeliveryAttempts(MAX_DELIVERY_ATTEMPTS)
                        .setRedeliveryDelay(1000)
                        .setRedeliveryMultiplier(2.0)
                        .setMaxRedeliveryDelay(60_000));
        if (requestsQueue != null) {
            // what no client can consume is bounded: a size (then sends fail, the route logs it) and an age (then dropped)
            config.addAddressSetting(requestsQueue + ".rejected", new AddressSettings()
                    .setMaxSizeBytes(rejectedMaxBytes)
                    .setAddressFullMessagePolicy(AddressFullMessagePolicy.FAIL)
                    .setExpiryDelay(rejectedExpiry.toMillis())
                    .setMaxExpiryDelay(rejectedExpiry.toMillis())
                    .setExpiryAddress(SimpleString.of("")));
        }
        // every client message: at most MAX_CLIENT_MESSAGE_BYTES, and never one of the outbox's duplicate ids
        config.registerBrokerPlugin(new ClientMessageGuard(SERVICE_USER));
        for (String q : concat(queues, List.of(DEAD_LETTER_QUEUE, EXPIRY_QUEUE))) {
            config.addQueueConfiguration(QueueConfiguration.of(q).setAddress(q).setRoutingType(RoutingType.ANYCAST).setDurable(true));
        }
        secure(config);
        // 0700: what keeps others out of the journal files Artemis makes later (it leaves their mode to the umask)
        FileModes.privateDirectory(dir, "Broker journal directory");
        broker = new EmbeddedActiveMQ().setConfiguration(config).setSecurityManager(securityManager());
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
        LOG.info("Embedded ActiveMQ Artemis broker: {} (CORE, AMQP, STOMP; login required), journal in {}, queues {}", tcpUrl(), dir, queues);
    }

    @Override
    protected void doStop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }

    /** Artemis' JAAS security manager with its in-memory login module: users, passwords and roles held here only. */
    private ActiveMQJAASSecurityManager securityManager() {
        SecurityConfiguration users = new SecurityConfiguration();
        users.addUser(service.user(), service.password());
        users.addRole(service.user(), SERVICE_ROLE);
        if (client != null) {
            users.addUser(client.user(), client.password());
            users.addRole(client.user(), CLIENT_ROLE);
        }
        users.setDefaultUser(null); // no user given: no login (no anonymous CORE, STOMP, AMQP)
        return new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users);
    }

    /**
     * Who may do what, by address. Artemis takes the most specific match only, so the two client queues repeat the
     * service's role. Nobody has manage: the management address answers no one.
     */
    private void secure(Configuration config) {
        Role serviceRole = role(SERVICE_ROLE);
        // the routes (also users' own jms: routes) may create, use and drop any queue, the DLQ and ExpiryQueue included
        serviceRole.setSend(true);
        serviceRole.setConsume(true);
        serviceRole.setBrowse(true);
        serviceRole.setCreateAddress(true);
        serviceRole.setDeleteAddress(true);
        serviceRole.setCreateDurableQueue(true);
        serviceRole.setDeleteDurableQueue(true);
        serviceRole.setCreateNonDurableQueue(true);
        serviceRole.setDeleteNonDurableQueue(true);
        config.putSecurityRoles("#", Set.of(serviceRole));
        if (client == null) {
            return;
        }
        Role send = role(CLIENT_ROLE);
        send.setSend(true); // requests in; never consumed by a client (it would take them from the service)
        Role consume = role(CLIENT_ROLE);
        consume.setConsume(true); // outcomes out; never sent by a client (no forged outcomes)
        consume.setBrowse(true);
        if (requestsQueue.equals(outcomesQueue)) {
            Role both = role(CLIENT_ROLE);
            both.setSend(true);
            both.setConsume(true);
            both.setBrowse(true);
            config.putSecurityRoles(requestsQueue, Set.of(serviceRole, both));
        } else {
            config.putSecurityRoles(requestsQueue, Set.of(serviceRole, send));
            config.putSecurityRoles(outcomesQueue, Set.of(serviceRole, consume));
        }
    }

    private static Role role(String name) {
        Role r = new Role();
        r.setName(name);
        return r;
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

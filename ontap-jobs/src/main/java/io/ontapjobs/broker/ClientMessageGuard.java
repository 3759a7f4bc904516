package io.ontapjobs.broker;

import java.nio.charset.StandardCharsets;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.LargeServerMessage;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * The embedded broker's check of every message a client sends (any session not of the service's own user), on every
 * protocol, before it is routed: a refused send is an error to the client (STOMP {@code ERROR}, an AMQP rejection, a
 * JMSException on a CORE persistent send), and nothing is queued.
 * <ul>
 * <li>Larger than {@link #MAX_CLIENT_MESSAGE_BYTES} as Artemis counts it ({@link Message#getWholeMessageSize()}):
 * refused. A 1 MiB request fits on every protocol (CORE carries text as two bytes a character); a large message's
 * file is deleted at once.</li>
 * <li>An Artemis duplicate id ({@code _AMQ_DUPL_ID}) starting with the outbox's prefix
 * ({@value OutcomeMessageStrategy#DUPLICATE_ID_PREFIX}): refused. Those keys are the outbox's, so that a re-sent
 * outcome is dropped; a client that chose one could make the broker drop the real outcome as a duplicate.</li>
 * </ul>
 */
public final class ClientMessageGuard implements ActiveMQServerMessagePlugin {
    /** 2 MiB + 64 KiB: a request of 1 MiB encoded as CORE text (UTF-16), with room for its properties. */
    public static final long MAX_CLIENT_MESSAGE_BYTES = 2L * 1024 * 1024 + 64 * 1024;
    private static final byte[] PREFIX_CORE = SimpleString.of(OutcomeMessageStrategy.DUPLICATE_ID_PREFIX).getData();
    private static final byte[] PREFIX_UTF8 = OutcomeMessageStrategy.DUPLICATE_ID_PREFIX.getBytes(StandardCharsets.UTF_8);

    private final String serviceUser;

    ClientMessageGuard(String serviceUser) {
        this.serviceUser = serviceUser;
    }

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQException {
        if (session != null && serviceUser.equals(session.getValidatedUser())) {
            return; // the service's own connections (in-VM): the outbox, the rejected copies
        }
        long size = message.getWholeMessageSize();
        if (size > MAX_CLIENT_MESSAGE_BYTES) {
            discard(message);
            throw new ActiveMQException(ActiveMQExceptionType.ILLEGAL_STATE, "message refused: " + size
                    + " bytes, more than " + MAX_CLIENT_MESSAGE_BYTES + " (requests are at most 1 MiB)");
        }
        if (isOutboxDuplicateId(message.getDuplicateIDBytes())) {
            discard(message);
            throw new ActiveMQException(ActiveMQExceptionType.SECURITY_EXCEPTION, "message refused: _AMQ_DUPL_ID "
                    + OutcomeMessageStrategy.DUPLICATE_ID_PREFIX + "... is reserved for the service's outcomes");
        }
    }

    /** Whether a duplicate id is one of the outbox's keys, however it was encoded (CORE string, UTF-8 bytes). */
    static boolean isOutboxDuplicateId(byte[] id) {
        return id != null && (startsWith(id, PREFIX_CORE) || startsWith(id, PREFIX_UTF8));
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A refused large message leaves no file behind in the broker's large-messages folder. */
    private static void discard(Message message) {
        if (message instanceof LargeServerMessage large) {
            try {
                large.deleteFile();
            } catch (Exception e) {
                // Artemis deletes an unreferenced large message file at its next start
            }
        }
    }
}

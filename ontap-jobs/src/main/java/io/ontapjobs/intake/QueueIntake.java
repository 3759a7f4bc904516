package io.ontapjobs.intake;

import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.TextMessage;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.jms.JmsMessage;
import org.apache.camel.support.DefaultMessage;

/**
 * The first step of the queue route: the request message becomes a fresh Camel message holding its body alone.
 * Every JMS property and header of the message is dropped, whatever its letter case ({@code CAMELJmsDestinationName},
 * {@code _AMQ_DUPL_ID}, {@code ontap_outcome_id}, {@code ONTAPPATH}, ...): none can steer a component or the
 * rejection path. The JMS message id is kept as the exchange property {@value #MESSAGE_ID} for the log.
 * <p>
 * The size is checked before the body is turned into anything: a text of more than 1 MiB characters or a bytes
 * message of more than 1 MiB is refused with an {@link InvalidRequestException}, its body replaced by nothing, so
 * that {@code <queue>.rejected} gets the reason and no copy of it. Any other kind of message (object, map, stream)
 * is refused unread: a Java object is never deserialized.
 */
public class QueueIntake implements Processor {
    /** The exchange property with the request message's JMS message id. */
    public static final String MESSAGE_ID = "OntapJmsMessageId";
    /** The exchange property set when the request was refused unread (its body is not kept). */
    public static final String REFUSED_UNREAD = "OntapRefusedUnread";

    @Override
    public void process(Exchange exchange) throws Exception {
        jakarta.jms.Message jms = exchange.getIn() instanceof JmsMessage m ? m.getJmsMessage() : null;
        DefaultMessage fresh = new DefaultMessage(exchange);
        exchange.setIn(fresh); // from here on the route sees no header at all
        if (jms == null) {
            return; // not from a JMS consumer (a test's direct call): nothing to take over
        }
        exchange.setProperty(MESSAGE_ID, messageId(jms));
        if (jms instanceof TextMessage text) {
            String body = text.getText(); // already decoded by the JMS client: only its length is looked at before use
            if (body != null && body.length() > OperationRequest.MAX_BODY_BYTES) {
                refuse(exchange, "larger than 1 MiB (" + body.length() + " characters): refused unread");
            }
            fresh.setBody(body);
        } else if (jms instanceof BytesMessage bytes) {
            long length = bytes.getBodyLength();
            if (length > OperationRequest.MAX_BODY_BYTES) {
                refuse(exchange, "larger than 1 MiB (" + length + " bytes): refused unread");
            }
            byte[] body = new byte[(int) length];
            bytes.readBytes(body);
            fresh.setBody(body);
        } else {
            refuse(exchange, "not a text or bytes message (" + kind(jms) + "): refused unread");
        }
    }

    private static void refuse(Exchange exchange, String reason) {
        exchange.setProperty(REFUSED_UNREAD, true);
        exchange.getIn().setBody(null);
        throw new InvalidRequestException(null, reason);
    }

    /** The JMS message id, read from the message itself (never from a property a client set); at most 200 characters. */
    private static String messageId(jakarta.jms.Message jms) {
        try {
            String id = jms.getJMSMessageID();
            if (id == null) {
                return "(no id)";
            }
            String clean = id.replaceAll("[^A-Za-z0-9:._\\-]", "?");
            return clean.length() > 200 ? clean.substring(0, 200) : clean;
        } catch (JMSException e) {
            return "(no id)";
        }
    }

    private static String kind(jakarta.jms.Message jms) {
        for (Class<?> c : new Class<?>[] {jakarta.jms.ObjectMessage.class, jakarta.jms.MapMessage.class, jakarta.jms.StreamMessage.class}) {
            if (c.isInstance(jms)) {
                return c.getSimpleName();
            }
        }
        return "no body";
    }
}

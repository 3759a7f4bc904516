package io.ontapjobs.broker;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.MessageCreatedStrategy;

/**
 * Stamps an outcome's JMS message with its stable id (header {@code CamelOntapOperationId}): the property
 * {@value EmbeddedBroker#OUTCOME_ID_PROPERTY} for consumers that deduplicate, and Artemis' duplicate-detection
 * property {@code _AMQ_DUPL_ID}, so the broker itself drops a copy sent again (an ordinary property elsewhere).
 * Only the outbox sends to the outcomes queue: clients may not (broker roles), and no route copies a message there.
 */
public class OutcomeMessageStrategy implements MessageCreatedStrategy {
    static final String ARTEMIS_DUPLICATE_ID = "_AMQ_DUPL_ID";
    /**
     * The outbox's duplicate ids on the outcomes address: this prefix and the outcome id. Stable across restarts and
     * replicas (it exists to drop an outcome sent again after a crash); the embedded broker refuses a client's
     * message carrying such an id ({@link ClientMessageGuard}).
     */
    public static final String DUPLICATE_ID_PREFIX = "ontap-outcome:";

    @Override
    public void onMessageCreated(Message message, Session session, Exchange exchange, Throwable cause) {
        String id = exchange.getIn().getHeader("CamelOntapOperationId", String.class);
        if (id == null || id.isBlank()) {
            return;
        }
        try {
            message.setStringProperty(EmbeddedBroker.OUTCOME_ID_PROPERTY, id);
            message.setStringProperty(ARTEMIS_DUPLICATE_ID, DUPLICATE_ID_PREFIX + id);
        } catch (JMSException e) {
            throw new IllegalStateException("cannot set the outcome id on the JMS message: " + e.getMessage(), e);
        }
    }
}

package io.ontapjobs.intake;

import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultMessage;

/**
 * What the queue route's error handler sends to {@code <queue>.rejected}: a fresh message with the request's text
 * and the header {@value #REASON} (the refusal's message), nothing else. No property of the refused message is
 * copied, so none can steer the JMS producer ({@code CamelJmsDestinationName} in any letter case) or reach the broker
 * ({@code _AMQ_DUPL_ID}). A request refused unread ({@link QueueIntake#REFUSED_UNREAD}, too large) leaves an empty
 * body: the reason, never the copy that would fill the disk.
 */
public class RejectedCopy implements Processor {
    public static final String REASON = "OntapRejectReason";

    @Override
    public void process(Exchange exchange) {
        Object body = exchange.getIn().getBody();
        String text;
        if (Boolean.TRUE.equals(exchange.getProperty(QueueIntake.REFUSED_UNREAD, Boolean.class)) || body == null) {
            text = "";
        } else if (body instanceof byte[] bytes) {
            text = new String(bytes, StandardCharsets.UTF_8);
        } else if (body instanceof String s) {
            text = s;
        } else {
            text = ""; // nothing else is what a client sent (QueueIntake leaves text or bytes)
        }
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        DefaultMessage copy = new DefaultMessage(exchange);
        copy.setBody(text);
        copy.setHeader(REASON, cause == null || cause.getMessage() == null ? "refused" : cause.getMessage());
        exchange.setIn(copy);
    }
}

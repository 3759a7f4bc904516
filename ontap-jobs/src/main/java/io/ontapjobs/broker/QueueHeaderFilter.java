package io.ontapjobs.broker;

import io.ontapjobs.intake.RejectedCopy;
import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * The header filter of the queue route's two JMS endpoints (routes/service.yaml): no property of a request message
 * becomes a Camel header, and the copy sent to {@code <queue>.rejected} carries {@value RejectedCopy#REASON} and no
 * other property. camel-jms' own filter matches {@code Camel}/{@code camel} with their letter case, while Camel looks
 * headers up whatever the case ({@code CAMELJmsDestinationName} is {@code CamelJmsDestinationName} to it).
 */
public class QueueHeaderFilter implements HeaderFilterStrategy {
    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !RejectedCopy.REASON.equals(headerName);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return true;
    }
}

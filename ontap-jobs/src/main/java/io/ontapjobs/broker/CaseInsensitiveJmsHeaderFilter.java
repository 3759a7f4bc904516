package io.ontapjobs.broker;

import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.JmsHeaderFilterStrategy;

/**
 * The {@code jms} component's header filter: camel-jms' own, plus {@code Camel*} and {@code org.apache.camel*} in any
 * letter case, both ways. camel-jms matches {@code Camel}/{@code camel} as written, but Camel looks headers up
 * case-insensitively: a JMS property {@code CAMELJmsDestinationName} would pass its filter and then steer a JMS
 * producer as {@code CamelJmsDestinationName}.
 */
public class CaseInsensitiveJmsHeaderFilter extends JmsHeaderFilterStrategy {
    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return isCamels(headerName) || super.applyFilterToCamelHeaders(headerName, headerValue, exchange);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return isCamels(headerName) || super.applyFilterToExternalHeaders(headerName, headerValue, exchange);
    }

    static boolean isCamels(String name) {
        String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return lower.startsWith("camel") || lower.startsWith("org.apache.camel");
    }
}

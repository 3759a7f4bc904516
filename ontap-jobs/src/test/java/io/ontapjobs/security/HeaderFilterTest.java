package io.ontapjobs.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.broker.CaseInsensitiveJmsHeaderFilter;
import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.intake.RejectedCopy;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.JmsHeaderFilterStrategy;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.Metadata;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * The component's headers are named {@code CamelOntap*} so that Camel's own header filters keep them off the HTTP and
 * JMS wires, both ways: no HTTP header, query parameter or JMS property becomes one, none is sent out. The JMS
 * property clients read on the rejected queue keeps a name camel-jms lets through.
 */
class HeaderFilterTest {
    private final Exchange exchange = new DefaultExchange(new DefaultCamelContext());

    /** Every header of {@link OntapConstants} (those with @Metadata), a query header by one of its names. */
    static List<String> componentHeaders() throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Field f : OntapConstants.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.isAnnotationPresent(Metadata.class)) {
                String name = (String) f.get(null);
                names.add(name.equals(OntapConstants.QUERY_PREFIX) ? name + "svm.name" : name);
            }
        }
        assertThat(names).hasSizeGreaterThan(15).allMatch(n -> n.startsWith("CamelOntap"));
        return names;
    }

    @Test
    void theHttpComponentsDropEveryComponentHeaderInAnyLetterCaseBothWays() throws Exception {
        HeaderFilterStrategy http = new HttpHeaderFilterStrategy(); // platform-http's and http's default
        for (String name : componentHeaders()) {
            for (String spelling : List.of(name, name.toUpperCase(Locale.ROOT), name.toLowerCase(Locale.ROOT))) {
                assertThat(http.applyFilterToExternalHeaders(spelling, "x", exchange)).as("in: " + spelling).isTrue();
                assertThat(http.applyFilterToCamelHeaders(spelling, "x", exchange)).as("out: " + spelling).isTrue();
            }
        }
    }

    @Test
    void theServicesJmsFilterDropsEveryComponentHeaderInAnyLetterCaseBothWays() throws Exception {
        HeaderFilterStrategy camelJms = new JmsHeaderFilterStrategy();
        HeaderFilterStrategy service = new CaseInsensitiveJmsHeaderFilter();
        for (String name : componentHeaders()) {
            assertThat(camelJms.applyFilterToExternalHeaders(name, "x", exchange)).as("camel-jms in: " + name).isTrue();
            assertThat(camelJms.applyFilterToCamelHeaders(name, "x", exchange)).as("camel-jms out: " + name).isTrue();
            for (String spelling : List.of(name, name.toUpperCase(Locale.ROOT), "cAmEl" + name.substring(5))) {
                assertThat(service.applyFilterToExternalHeaders(spelling, "x", exchange)).as("in: " + spelling).isTrue();
                assertThat(service.applyFilterToCamelHeaders(spelling, "x", exchange)).as("out: " + spelling).isTrue();
            }
        }
    }

    @Test
    void theRejectedQueuesReasonIsNoCamelHeaderSoItReachesClients() {
        assertThat(RejectedCopy.REASON).isEqualTo("OntapRejectReason");
        assertThat(new JmsHeaderFilterStrategy().applyFilterToCamelHeaders(RejectedCopy.REASON, "x", exchange)).isFalse();
        assertThat(new CaseInsensitiveJmsHeaderFilter().applyFilterToCamelHeaders(RejectedCopy.REASON, "x", exchange)).isFalse();
    }
}

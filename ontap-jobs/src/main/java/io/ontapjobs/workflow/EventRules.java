package io.ontapjobs.workflow;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The steps of the EMS examples (routes/examples/volume-nearly-full.yaml, snapmirror-update-failed.yaml) that build
 * requests. Event data is data: values are copied from the event's parameters and the cluster's answers into
 * headers and Maps, never pasted into a JSON text or an expression. Call them as bean steps ({@code - bean:}), not
 * as expressions: an expression works on a copy of the exchange, so the headers they set would be lost.
 */
public final class EventRules {
    private EventRules() {
    }

    /**
     * After a read (operation=read), the exchange property {@code property}: the one record whose {@code field}
     * equals the event's parameter {@code parameter} as written, else unset (nothing to do). The read's
     * {@code CamelOntapQuery.*} headers are removed, so that they are not sent with the next call (a PATCH with a query
     * is a bulk PATCH).
     */
    public static void selectRecord(Exchange exchange, String field, String parameter, String property) {
        Message in = exchange.getIn();
        in.removeHeaders("CamelOntapQuery.*");
        exchange.removeProperty(property);
        Object wanted = parameters(in).get(parameter);
        List<?> records = in.getBody(List.class);
        if (wanted == null || records == null) {
            return;
        }
        List<?> matching = records.stream().filter(r -> r instanceof Map<?, ?> m && wanted.equals(value(m, field))).toList();
        if (matching.size() == 1) {
            exchange.setProperty(property, matching.get(0));
        }
    }

    /**
     * The PATCH of the volume record in the exchange property {@code ontapVolume} (uuid, size) grown by
     * {@code percent} (rounded up to a whole 4 KiB block): the header CamelOntapPath /api/storage/volumes/{uuid}, the
     * body {"size": bytes} (a Map), the properties ontapVolumeOldSize and ontapVolumeNewSize.
     */
    public static void growVolume(Exchange exchange, int percent) {
        Map<?, ?> volume = exchange.getProperty("ontapVolume", Map.class);
        if (percent <= 0 || percent > 1000) {
            throw new IllegalArgumentException("percent must be 1 to 1000: " + percent);
        }
        String uuid = String.valueOf(volume.get("uuid"));
        long size = new BigDecimal(String.valueOf(volume.get("size"))).longValueExact();
        long grown = BigDecimal.valueOf(size).multiply(BigDecimal.valueOf(100L + percent))
                .divide(BigDecimal.valueOf(100L * 4096), 0, RoundingMode.CEILING).longValueExact() * 4096;
        exchange.getIn().setHeader("CamelOntapPath", "/api/storage/volumes/" + uuid);
        exchange.setProperty("ontapVolumeOldSize", size);
        exchange.setProperty("ontapVolumeNewSize", grown);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("size", grown);
        exchange.getIn().setBody(body);
    }

    /** The body becomes an alert (a Map): the event's name, key, time and parameters, a reason, the retry's outcome if any. */
    public static void alert(Exchange exchange, String reason) {
        Message in = exchange.getIn();
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("alert", reason);
        alert.put("cluster", in.getHeader("CamelOntapCluster"));
        alert.put("event", in.getHeader("CamelOntapEventName"));
        alert.put("event_key", in.getHeader("CamelOntapEventKey"));
        alert.put("event_time", String.valueOf(in.getHeader("CamelOntapEventTime")));
        alert.put("parameters", new LinkedHashMap<>(parameters(in)));
        Object status = in.getHeader("CamelOntapStatus");
        if (status != null) {
            alert.put("retry_status", String.valueOf(status));
            alert.put("retry_operation", in.getHeader("CamelOntapOperationId"));
            alert.put("retry_code", in.getHeader("CamelOntapJobCode"));
            alert.put("retry_message", in.getHeader("CamelOntapJobMessage"));
        }
        in.setBody(alert);
    }

    private static Map<?, ?> parameters(Message in) {
        Map<?, ?> p = in.getHeader("CamelOntapEventParameters", Map.class);
        return p == null ? Map.of() : p;
    }

    /** A dotted field of a record, e.g. destination.path. */
    private static Object value(Map<?, ?> record, String field) {
        Object v = record;
        for (String part : field.split("\\.")) {
            v = v instanceof Map<?, ?> m ? m.get(part) : null;
        }
        return v;
    }
}

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
 * headers and Maps, never pasted into a JSON text or an expression.
 */
public final class EventRules {
    private EventRules() {
    }

    /**
     * After a read (operation=read) for the record named {@code name} in the event's parameters: exactly one record
     * whose {@code field} equals that value as written, else null (nothing to do). {@code OntapQuery.*} headers of
     * the read are removed, so that they are not sent with the next call.
     */
    public static Map<?, ?> theRecord(Exchange exchange, String field, String parameter) {
        Message in = exchange.getIn();
        in.removeHeaders("OntapQuery.*");
        Object wanted = parameters(in).get(parameter);
        List<?> records = in.getBody(List.class);
        if (wanted == null || records == null) {
            return null;
        }
        List<?> matching = records.stream().filter(r -> r instanceof Map<?, ?> m && wanted.equals(value(m, field))).toList();
        return matching.size() == 1 ? (Map<?, ?>) matching.get(0) : null;
    }

    /**
     * The PATCH of a volume record (uuid, size) grown by {@code percent} (rounded up to a whole 4 KiB block): sets
     * the header OntapPath to /api/storage/volumes/{uuid} and returns the body {"size": bytes}.
     */
    public static Map<String, Object> growVolume(Exchange exchange, Map<?, ?> volume, int percent) {
        if (percent <= 0 || percent > 1000) {
            throw new IllegalArgumentException("percent must be 1 to 1000: " + percent);
        }
        String uuid = String.valueOf(volume.get("uuid"));
        long size = new BigDecimal(String.valueOf(volume.get("size"))).longValueExact();
        long grown = BigDecimal.valueOf(size).multiply(BigDecimal.valueOf(100L + percent))
                .divide(BigDecimal.valueOf(100L * 4096), 0, RoundingMode.CEILING).longValueExact() * 4096;
        exchange.getIn().setHeader("OntapPath", "/api/storage/volumes/" + uuid);
        exchange.setProperty("ontapVolumeOldSize", size);
        exchange.setProperty("ontapVolumeNewSize", grown);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("size", grown);
        return body;
    }

    /** An alert: the event's name, key, time and parameters, with a reason and the retry's outcome (if any). */
    public static Map<String, Object> alert(Exchange exchange, String reason) {
        Message in = exchange.getIn();
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("alert", reason);
        alert.put("cluster", in.getHeader("CamelOntapCluster"));
        alert.put("event", in.getHeader("CamelOntapEventName"));
        alert.put("event_key", in.getHeader("CamelOntapEventKey"));
        alert.put("event_time", String.valueOf(in.getHeader("CamelOntapEventTime")));
        alert.put("parameters", new LinkedHashMap<>(parameters(in)));
        Object status = in.getHeader("OntapStatus");
        if (status != null) {
            alert.put("retry_status", String.valueOf(status));
            alert.put("retry_operation", in.getHeader("OntapOperationId"));
            alert.put("retry_code", in.getHeader("OntapJobCode"));
            alert.put("retry_message", in.getHeader("OntapJobMessage"));
        }
        return alert;
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

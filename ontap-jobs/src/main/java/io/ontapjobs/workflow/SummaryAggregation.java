package io.ontapjobs.workflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.component.OntapConstants;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Gathers the outcomes of a fan-out (a split over ontap:) into one summary: how many succeeded, how many did
 * not, and per item its name, status, job and reason. Used as {@code aggregationStrategy: "#ontapSummary"}.
 */
public class SummaryAggregation implements AggregationStrategy {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Exchange aggregate(Exchange summary, Exchange item) {
        Exchange target = summary == null ? item : summary;
        ObjectNode doc = target.getProperty("ontapSummary", ObjectNode.class);
        if (doc == null) {
            doc = JSON.createObjectNode();
            doc.put("total", 0).put("succeeded", 0).put("not_succeeded", 0);
            doc.putArray("items");
            target.setProperty("ontapSummary", doc);
        }
        String status = item.getMessage().getHeader(OntapConstants.STATUS, "error", String.class);
        doc.put("total", doc.get("total").asInt() + 1);
        String counter = "succeeded".equals(status) ? "succeeded" : "not_succeeded";
        doc.put(counter, doc.get(counter).asInt() + 1);
        ObjectNode row = ((ArrayNode) doc.get("items")).addObject();
        row.put("item", item.getProperty("ontapItem", String.class));
        row.put("status", status);
        row.put("operation", item.getMessage().getHeader(OntapConstants.OPERATION_ID, String.class));
        row.put("job", item.getMessage().getHeader(OntapConstants.JOB_UUID, String.class));
        String reason = item.getException() != null ? item.getException().getMessage()
                : item.getMessage().getHeader(OntapConstants.REASON, String.class);
        if (reason != null) {
            row.put("reason", reason);
        }
        target.getMessage().setBody(doc.toString());
        return target;
    }
}

package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What ONTAP says about one job. Tolerant: an unknown state is kept as it is and counts as not finished.
 *
 * @param raw the job object as the cluster sent it, for outcomes
 */
public record Job(String uuid, String state, Long code, String message, String errorCode, String errorMessage,
                  String startTime, String endTime, ObjectNode raw) {

    public static final String FIELDS = "uuid,state,code,message,error,start_time,end_time,description";
    /** A job UUID's characters, as ONTAP gives them: what may be put into a URL's path ({@code /api/cluster/jobs/{uuid}}). */
    public static final java.util.regex.Pattern UUID = java.util.regex.Pattern.compile("[0-9A-Fa-f-]{1,64}");

    /** Whether {@code uuid} is a job UUID ({@link #UUID}); false for null. */
    public static boolean isUuid(String uuid) {
        return uuid != null && UUID.matcher(uuid).matches();
    }

    /** A job known by its UUID only, not read yet. */
    public static Job unseen(String uuid) {
        return from(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("uuid", uuid));
    }

    public static Job from(JsonNode node) {
        JsonNode error = node.path("error");
        return new Job(text(node, "uuid"), text(node, "state"),
                node.hasNonNull("code") ? node.get("code").asLong() : null,
                text(node, "message"), text(error, "code"), text(error, "message"),
                text(node, "start_time"), text(node, "end_time"),
                node.isObject() ? printable(((ObjectNode) node).deepCopy()) : null);
    }

    /** Every text in the job object made printable: the outcome carries it to terminals ({@code run}'s stdout). */
    private static <T extends JsonNode> T printable(T node) {
        if (node instanceof ObjectNode o) {
            o.properties().forEach(e -> {
                if (e.getValue().isTextual()) {
                    e.setValue(com.fasterxml.jackson.databind.node.TextNode.valueOf(Printable.of(e.getValue().asText())));
                } else {
                    printable(e.getValue());
                }
            });
        } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    a.set(i, Printable.of(a.get(i).asText()));
                } else {
                    printable(a.get(i));
                }
            }
        }
        return node;
    }

    public boolean isSuccess() {
        return "success".equals(state);
    }

    public boolean isFailure() {
        return "failure".equals(state);
    }

    public boolean isFinished() {
        return isSuccess() || isFailure();
    }

    public boolean isPaused() {
        return "paused".equals(state);
    }

    /** The cluster's text, made printable: a job message reaches terminals, log lines and the page. */
    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : Printable.of(v.asText());
    }
}

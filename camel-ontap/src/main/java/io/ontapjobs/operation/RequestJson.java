package io.ontapjobs.operation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of request documents ({@link OperationRequest}): strict parsing of what clients send, the reading of a
 * document's fields (each mistake named by its field, never echoing the text at fault), and the stored form.
 */
final class RequestJson {
    private static final Set<String> FIELDS = Set.of("id", "cluster", "method", "path", "query", "body", "timeout",
            "policy", "return_timeout", "idempotent");
    /** Deeper JSON than this is refused: no ONTAP body nests so deep, and deep nesting is a stack attack. */
    static final int MAX_NESTING = 64;
    /**
     * Strict reading of what clients send: a duplicate key is refused (a parser that keeps the last value would run
     * {@code "method":"POST","method":"DELETE"} as a DELETE), nesting and string sizes are bounded.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).maxStringLength(OperationRequest.MAX_BODY_BYTES).maxNumberLength(100).build());
    }

    private RequestJson() {
    }

    /** A new JSON object, for the stored form of a request. */
    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** A request this service stored ({@link OperationRequest#toJson()}), as a tree. */
    static JsonNode stored(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored request is not JSON", e);
        }
    }

    /**
     * Parses strictly. The error names where and what kind of mistake, never the text at fault: a refused file may
     * be something else entirely (a key, a password file), and its reason is written to disk and the log.
     */
    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (StreamConstraintsException e) {
            throw new InvalidRequestException(null, "not accepted: JSON nested deeper than " + MAX_NESTING
                    + " levels, or a string or number too long");
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String kind = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? "a key appears twice in one object" : "not valid JSON";
            throw new InvalidRequestException(null, kind + (where == null ? "" : " (at line " + where.getLineNr()
                    + ", column " + where.getColumnNr() + ")"));
        }
    }

    /** A request document's fields, each checked; {@link OperationRequest}'s constructor checks the values. */
    static OperationRequest read(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(null, "a request must be a JSON object");
        }
        node.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                // named when it is a plain word; anything else is not echoed (it could forge a log line)
                throw new InvalidRequestException(f.matches("[A-Za-z0-9_.-]{1,64}") ? f : null,
                        "unknown field (known: id, cluster, method, path, query, body, timeout, policy, return_timeout, idempotent)");
            }
        });
        Map<String, String> query = new LinkedHashMap<>();
        JsonNode q = node.get("query");
        if (q != null && !q.isNull()) {
            if (!q.isObject()) {
                throw new InvalidRequestException("query", "must be an object of names and values");
            }
            q.fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw new InvalidRequestException("query", "each value must be a string, number or boolean");
                }
                query.put(e.getKey(), e.getValue().asText());
            });
        }
        Duration timeout = null;
        if (node.hasNonNull("timeout")) {
            if (!node.get("timeout").isTextual()) {
                throw new InvalidRequestException("timeout", "must be a string such as \"90s\", \"10m\" or \"1h\"");
            }
            timeout = OperationRequest.parseTimeout(node.get("timeout").asText());
        }
        Integer returnTimeout = null;
        if (node.hasNonNull("return_timeout")) {
            JsonNode rt = node.get("return_timeout");
            if (!rt.isIntegralNumber() || !rt.canConvertToInt()) {
                throw new InvalidRequestException("return_timeout", "must be a whole number of seconds (0-120)");
            }
            returnTimeout = rt.asInt();
        }
        JsonNode body = node.get("body");
        JsonNode idempotent = node.get("idempotent");
        if (idempotent != null && !idempotent.isNull() && !idempotent.isBoolean()) {
            throw new InvalidRequestException("idempotent", "must be true or false");
        }
        return new OperationRequest(text(node, "id"), text(node, "cluster"), text(node, "method"), text(node, "path"),
                query, body == null || body.isNull() ? null : body, timeout, text(node, "policy"), returnTimeout,
                idempotent != null && idempotent.asBoolean());
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidRequestException(field, "must be a string");
        }
        return v.asText();
    }
}

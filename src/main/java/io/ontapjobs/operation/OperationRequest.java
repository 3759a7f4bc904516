package io.ontapjobs.operation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.policy.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One ONTAP operation to run to completion: the trigger call and how to wait for it.
 *
 * @param timeout       how long to wait for the job(s) in all; {@code null} means the policy's timeout
 * @param returnTimeout ONTAP's {@code return_timeout} (0-120 s) for the trigger, or {@code null}
 * @param idempotent    sending the trigger twice does no harm: after a crash mid-trigger it is sent again
 */
public record OperationRequest(String id, String cluster, String method, String path, Map<String, String> query,
                               JsonNode body, Duration timeout, String policy, Integer returnTimeout, boolean idempotent) {

    public static final int MAX_BODY_BYTES = 1024 * 1024;
    static final Set<String> METHODS = Set.of("POST", "PATCH", "DELETE");
    private static final Set<String> FIELDS = Set.of("id", "cluster", "method", "path", "query", "body", "timeout",
            "policy", "return_timeout", "idempotent");
    /** Ids become file names: letters, digits, dot, dash, underscore; not starting with a dot. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();

    public OperationRequest {
        if (id == null) {
            id = UUID.randomUUID().toString();
        } else if (!SAFE_ID.matcher(id).matches()) {
            throw new InvalidRequestException("id", "'" + id + "' is not allowed: use 1-128 letters, digits, '.', '-' or '_', not starting with '.'");
        }
        if (cluster == null || cluster.isBlank()) {
            cluster = "default";
        }
        if (method == null) {
            throw new InvalidRequestException("method", "missing (one of POST, PATCH, DELETE)");
        }
        method = method.toUpperCase();
        if (!METHODS.contains(method)) {
            throw new InvalidRequestException("method", "'" + method + "' does not start an ONTAP job (use POST, PATCH or DELETE)");
        }
        if (path == null || !path.startsWith("/api/")) {
            throw new InvalidRequestException("path", (path == null ? "missing" : "'" + path + "' is not") + " an ONTAP REST path under /api/");
        }
        if (path.startsWith("/api/cluster/jobs")) {
            throw new InvalidRequestException("path", "jobs are controlled with cancel, pause and resume, not as operations");
        }
        if (path.contains("?") || path.contains("#")) {
            throw new InvalidRequestException("path", "put query parameters in 'query', not in the path");
        }
        query = query == null ? Map.of() : Map.copyOf(query);
        if (body != null && !body.isObject() && !body.isArray()) {
            throw new InvalidRequestException("body", "must be a JSON object");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InvalidRequestException("timeout", "must be positive");
        }
        if (returnTimeout != null && (returnTimeout < 0 || returnTimeout > 120)) {
            throw new InvalidRequestException("return_timeout", returnTimeout + " is outside 0-120 seconds");
        }
    }

    public OperationRequest(String id, String cluster, String method, String path, Map<String, String> query,
                            JsonNode body, Duration timeout, String policy, Integer returnTimeout) {
        this(id, cluster, method, path, query, body, timeout, policy, returnTimeout, false);
    }

    /** The same request with another id or cluster (a file's name as its id; an endpoint's cluster). */
    public OperationRequest with(String newId, String newCluster) {
        return new OperationRequest(newId, newCluster, method, path, query, body, timeout, policy, returnTimeout, idempotent);
    }

    /** The request document, as {@link #fromJson(String)} reads it back (the store keeps it so). */
    public String toJson() {
        var node = JSON.createObjectNode();
        node.put("id", id).put("cluster", cluster).put("method", method).put("path", path);
        if (!query.isEmpty()) {
            var q = node.putObject("query");
            query.forEach(q::put);
        }
        if (body != null) {
            node.set("body", body);
        }
        if (timeout != null) {
            node.put("timeout", Durations.format(timeout));
        }
        if (policy != null) {
            node.put("policy", policy);
        }
        if (returnTimeout != null) {
            node.put("return_timeout", returnTimeout);
        }
        if (idempotent) {
            node.put("idempotent", true);
        }
        return node.toString();
    }

    /** Reads a request document; every mistake is reported with the field it concerns. */
    public static OperationRequest fromJson(String json) {
        return fromJson(json, null);
    }

    /** @param defaultId the id when the document has none (an inbox file's name), or null to generate one */
    public static OperationRequest fromJson(String json, String defaultId) {
        if (json == null || json.isBlank()) {
            throw new InvalidRequestException(null, "empty request");
        }
        if (json.length() > MAX_BODY_BYTES) {
            throw new InvalidRequestException(null, "request larger than 1 MiB");
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, "not valid JSON (" + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        OperationRequest request = fromJson(node);
        return defaultId != null && !node.hasNonNull("id") ? request.with(defaultId, request.cluster()) : request;
    }

    /** An id made of a file name: unsafe characters become '-', so "nightly run (2).json" runs as "nightly-run--2-". */
    public static String idFromName(String name) {
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        String id = base.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^\\.+", "");
        return id.isEmpty() ? null : id.length() > 128 ? id.substring(0, 128) : id;
    }

    public static OperationRequest fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(null, "a request must be a JSON object");
        }
        node.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new InvalidRequestException(f, "unknown field (known: id, cluster, method, path, query, body, timeout, policy, return_timeout, idempotent)");
            }
        });
        Map<String, String> query = new LinkedHashMap<>();
        JsonNode q = node.get("query");
        if (q != null && !q.isNull()) {
            if (!q.isObject()) {
                throw new InvalidRequestException("query", "must be an object of names and values");
            }
            q.fields().forEachRemaining(e -> {
                if (e.getValue().isContainerNode()) {
                    throw new InvalidRequestException("query." + e.getKey(), "must be a string, number or boolean");
                }
                query.put(e.getKey(), e.getValue().asText());
            });
        }
        Duration timeout = null;
        if (node.hasNonNull("timeout")) {
            try {
                timeout = Durations.parse(node.get("timeout").asText());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("timeout", e.getMessage());
            }
        }
        Integer returnTimeout = null;
        if (node.hasNonNull("return_timeout")) {
            if (!node.get("return_timeout").canConvertToInt()) {
                throw new InvalidRequestException("return_timeout", "must be a whole number of seconds (0-120)");
            }
            returnTimeout = node.get("return_timeout").asInt();
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
        if (!v.isValueNode()) {
            throw new InvalidRequestException(field, "must be a string");
        }
        return v.asText();
    }

    public String bodyText() {
        return body == null ? null : body.toString();
    }
}

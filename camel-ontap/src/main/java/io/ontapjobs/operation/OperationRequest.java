package io.ontapjobs.operation;

import com.fasterxml.jackson.databind.JsonNode;
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
 * @param requestedBy   who asked for it: the API client's name, {@code inbox}, {@code queue}; set by the entry point,
 *                      never read from the request document a client sends; null for the operator's routes. It is
 *                      the id's owner: an id known for one requester is refused to every other
 *                      ({@link IdTakenException})
 */
public record OperationRequest(String id, String cluster, String method, String path, Map<String, String> query,
                               JsonNode body, Duration timeout, String policy, Integer returnTimeout, boolean idempotent,
                               String requestedBy) {

    public static final int MAX_BODY_BYTES = 1024 * 1024;
    static final Set<String> METHODS = Set.of("POST", "PATCH", "DELETE");
    /** Ids become file names: letters, digits, dot, dash, underscore; not starting with a dot. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    /** Cluster and policy names are configuration keys: the same safe alphabet, so none forges a log line. */
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
    /**
     * A path segment: what ONTAP's paths use (UUIDs, names such as a share's {@code c$}); no '%' (so nothing decodes
     * into another path), no dot segments. An object whose name needs encoding is addressed by its UUID.
     */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.,:@*~+=$-]+");
    /** The longest wait a request may ask for: a bound, so no arithmetic on it overflows. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(30);

    public OperationRequest {
        if (id == null) {
            id = UUID.randomUUID().toString();
        } else if (!SAFE_ID.matcher(id).matches()) {
            throw new InvalidRequestException("id", "not allowed: use 1-128 letters, digits, '.', '-' or '_', not starting with '.'");
        }
        if (cluster == null || cluster.isBlank()) {
            cluster = "default";
        } else if (!SAFE_NAME.matcher(cluster).matches()) {
            throw new InvalidRequestException("cluster", "not a cluster name (1-64 letters, digits, '.', '-' or '_')");
        }
        if (policy != null && !SAFE_NAME.matcher(policy).matches()) {
            throw new InvalidRequestException("policy", "not a policy name (1-64 letters, digits, '.', '-' or '_')");
        }
        if (method == null) {
            throw new InvalidRequestException("method", "missing (one of POST, PATCH, DELETE)");
        }
        if (!METHODS.contains(method.toUpperCase(java.util.Locale.ROOT))) {
            throw new InvalidRequestException("method", "not POST, PATCH or DELETE (the methods that start an ONTAP job)");
        }
        method = method.toUpperCase(java.util.Locale.ROOT);
        checkPath(path, "path");
        query = query == null ? Map.of() : Map.copyOf(query);
        query.forEach((name, value) -> {
            if (name.isEmpty() || hasControl(name) || hasControl(value)) {
                throw new InvalidRequestException("query", "names must not be empty; names and values must not hold control characters");
            }
        });
        // return_timeout in the query is the request's return_timeout: one value, sent once, the policy's only without it
        String queryReturnTimeout = query.get("return_timeout");
        if (queryReturnTimeout != null) {
            if (!queryReturnTimeout.matches("[0-9]{1,3}") || Integer.parseInt(queryReturnTimeout) > 120) {
                throw new InvalidRequestException("query", "return_timeout must be a whole number of seconds (0-120)");
            }
            if (returnTimeout != null && returnTimeout != Integer.parseInt(queryReturnTimeout)) {
                throw new InvalidRequestException("return_timeout", "given twice with different values (as a field and in 'query')");
            }
            returnTimeout = Integer.parseInt(queryReturnTimeout);
            Map<String, String> rest = new LinkedHashMap<>(query);
            rest.remove("return_timeout");
            query = Map.copyOf(rest);
        }
        if (body != null && !body.isObject()) {
            throw new InvalidRequestException("body", "must be a JSON object");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw new InvalidRequestException("timeout", "must be more than 0 and at most 30d");
        }
        if (requestedBy != null && (requestedBy.isEmpty() || requestedBy.length() > 128 || hasControl(requestedBy))) {
            throw new IllegalArgumentException("requestedBy: 1-128 characters without control characters");
        }
        if (returnTimeout != null && (returnTimeout < 0 || returnTimeout > 120)) {
            throw new InvalidRequestException("return_timeout", returnTimeout + " is outside 0-120 seconds");
        }
    }

    public OperationRequest(String id, String cluster, String method, String path, Map<String, String> query,
                            JsonNode body, Duration timeout, String policy, Integer returnTimeout) {
        this(id, cluster, method, path, query, body, timeout, policy, returnTimeout, false, null);
    }

    public OperationRequest(String id, String cluster, String method, String path, Map<String, String> query,
                            JsonNode body, Duration timeout, String policy, Integer returnTimeout, boolean idempotent) {
        this(id, cluster, method, path, query, body, timeout, policy, returnTimeout, idempotent, null);
    }

    /** The same request with another id or cluster (a file's name as its id; an endpoint's cluster). */
    public OperationRequest with(String newId, String newCluster) {
        return new OperationRequest(newId, newCluster, method, path, query, body, timeout, policy, returnTimeout, idempotent, requestedBy);
    }

    /** What the inbox records as its requester ({@link #requestedBy(String)}); its ids start with {@code inbox.}. */
    public static final String INBOX = "inbox";
    /** What the requests queue records as its requester; its ids start with {@code queue.}. */
    public static final String QUEUE = "queue";
    /** The entry points whose requests' ids are prefixed with their word and a dot, so no other entry point takes them. */
    public static final Set<String> SOURCES = Set.of(INBOX, QUEUE);

    /**
     * The same request, recorded as asked for by {@code who} (an entry point's word, or an API client's name). The
     * inbox's and the queue's requests ({@link #SOURCES}) also get their source as the id's prefix ({@code inbox.},
     * {@code queue.}): no other requester can take their ids, which the API refuses ({@link #checkNotReserved}).
     *
     * @throws InvalidRequestException naming {@code id} when the prefixed id would be longer than 128 characters
     */
    public OperationRequest requestedBy(String who) {
        String scoped = id;
        if (who != null && SOURCES.contains(who)) {
            scoped = who + "." + id;
            if (scoped.length() > 128) {
                throw new InvalidRequestException("id", "too long: a request from the " + who + " runs as '" + who
                        + ".<id>', at most 128 characters, so its id may have at most " + (127 - who.length()));
            }
        }
        return new OperationRequest(scoped, cluster, method, path, query, body, timeout, policy, returnTimeout, idempotent, who);
    }

    /**
     * The id this request had before entry points' ids got their source's prefix ({@code inbox.x} → {@code x}), for
     * a request of the inbox or the queue; else null. An operation recorded under it by the same source before an
     * upgrade is that request's, so a file or message taken again after the upgrade is not run twice.
     */
    public String unprefixedId() {
        return requestedBy != null && SOURCES.contains(requestedBy) && id.startsWith(requestedBy + ".")
                ? id.substring(requestedBy.length() + 1) : null;
    }

    /**
     * Refuses an id in an entry point's namespace ({@code inbox.…}, {@code queue.…}, in any case): for requesters
     * other than that entry point (the API).
     */
    public static void checkNotReserved(String id) {
        String lower = id.toLowerCase(java.util.Locale.ROOT);
        for (String source : SOURCES) {
            if (lower.startsWith(source + ".")) {
                throw new InvalidRequestException("id", "ids starting with 'inbox.' or 'queue.' are reserved for requests"
                        + " from the inbox and the queue");
            }
        }
    }

    /** Who asked for a stored request ({@link #toJson()}), as recorded: null for the operator's routes. */
    public static String storedRequester(String json) {
        JsonNode who = RequestJson.stored(json).get("requested_by");
        return who == null || who.isNull() ? null : who.asText();
    }

    /**
     * A path is sent to the cluster as written, so it must be the one path it looks like: absolute under
     * {@code /api/}, no empty, {@code .} or {@code ..} segment, no percent-encoding, no query or fragment, no
     * control or other characters ONTAP's paths do not use.
     */
    public static void checkPath(String path, String field) {
        checkPlainPath(path, field);
        if (path.startsWith("/api/cluster/jobs")) {
            throw new InvalidRequestException(field, "jobs are controlled with cancel, pause and resume, not as operations");
        }
    }

    /** The shape rules of {@link #checkPath} alone, for a path that is read (GET), not run. */
    public static void checkPlainPath(String path, String field) {
        if (path == null) {
            throw new InvalidRequestException(field, "missing (an ONTAP REST path under /api/)");
        }
        if (path.contains("?") || path.contains("#")) {
            throw new InvalidRequestException(field, "put query parameters in 'query', not in the path");
        }
        if (!path.startsWith("/api/") || path.length() > 1024) {
            throw new InvalidRequestException(field, "not an ONTAP REST path under /api/ (at most 1024 characters)");
        }
        String[] segments = path.substring(1).split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()) {
                throw new InvalidRequestException(field, "not a plain path: no empty, '.' or '..' segments, no '%', spaces"
                        + " or control characters (letters, digits and _ . , : @ * ~ + = $ - only; address an object whose name needs"
                        + " encoding by its UUID)");
            }
        }
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)); // C0, DEL and C1 (a terminal takes 0x9b for ESC [)
    }

    /** The request document, as {@link #fromJson(String)} reads it back (the store keeps it so). */
    public String toJson() {
        var node = RequestJson.object();
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
        if (requestedBy != null) {
            node.put("requested_by", requestedBy);
        }
        return node.toString();
    }

    /** Reads a request document; every mistake is reported with the field it concerns. */
    public static OperationRequest fromJson(String json) {
        return fromJson(json, null);
    }

    /** Reads back a request this service stored ({@link #toJson()}), with who asked for it. */
    public static OperationRequest fromStored(String json) {
        JsonNode node = RequestJson.stored(json);
        String who = node.path("requested_by").asText(null);
        ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove("requested_by");
        OperationRequest r = fromJson(node);
        // as recorded: its id has its source's prefix already
        return new OperationRequest(r.id, r.cluster, r.method, r.path, r.query, r.body, r.timeout, r.policy, r.returnTimeout,
                r.idempotent, who);
    }

    /** @param defaultId the id when the document has none (an inbox file's name), or null to generate one */
    public static OperationRequest fromJson(String json, String defaultId) {
        if (json == null || json.isBlank()) {
            throw new InvalidRequestException(null, "empty request");
        }
        if (json.length() > MAX_BODY_BYTES) {
            throw new InvalidRequestException(null, "request larger than 1 MiB");
        }
        JsonNode node = RequestJson.parse(json);
        OperationRequest request = fromJson(node);
        return defaultId != null && !node.hasNonNull("id") ? request.with(defaultId, request.cluster()) : request;
    }

    /** An id made of a file name: unsafe characters become '-', so "nightly run (2).json" runs as "nightly-run--2-". */
    public static String idFromName(String name) {
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        String id = base.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^\\.+", "");
        return id.isEmpty() ? null : id.length() > 128 ? id.substring(0, 128) : id;
    }

    /** Reads a request document already parsed; every mistake is reported with the field it concerns. */
    public static OperationRequest fromJson(JsonNode node) {
        return RequestJson.read(node);
    }

    /** A request's timeout: a duration of at most {@link #MAX_TIMEOUT}; the message never echoes the text. */
    public static Duration parseTimeout(String text) {
        Duration d;
        try {
            d = text.length() > 32 ? null : Durations.parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            d = null;
        }
        if (d == null || d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new InvalidRequestException("timeout", "not a duration from 1ms to 30d (use e.g. 90s, 10m, 1h)");
        }
        return d;
    }

    /**
     * The path with the query, as a log line shows it ({@code PATCH /api/storage/volumes?name=vol1}): parameters by name,
     * {@code return_timeout} aside; any control or line-separating character a value might hold shown as '?', so none
     * forges a line.
     */
    public String pathAndQuery() {
        if (query.isEmpty()) {
            return path;
        }
        StringBuilder b = new StringBuilder(path);
        new java.util.TreeMap<>(query).forEach((n, v) -> b.append(b.length() == path.length() ? '?' : '&').append(n).append('=').append(v));
        for (int i = path.length(); i < b.length(); i++) {
            char c = b.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                b.setCharAt(i, '?');
            }
        }
        return b.toString();
    }

    public String bodyText() {
        return body == null ? null : body.toString();
    }
}

package io.ontapjobs.component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * What an {@code ontap:} producer reads from a message: the request of a run or trigger (a request document in the
 * body, or the endpoint's options changed by the {@code CamelOntapMethod}, {@code CamelOntapPath} and
 * {@code CamelOntapQuery.*} headers), a read's path and query, and the body, its size bounded before it is read.
 * Everything read is checked here and refused as an {@link InvalidRequestException} naming the header or field.
 */
final class MessageRequest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TRIGGER_METHODS = Set.of("POST", "PATCH", "DELETE");

    private MessageRequest() {
    }

    /** The path of a read: the option, or the CamelOntapPath header checked like a request's (a GET needs no job rule). */
    static String readPath(OntapConfiguration options, Message in) {
        String method = header(in, OntapConstants.METHOD);
        if (method != null && !method.equals("GET")) {
            throw new InvalidRequestException(OntapConstants.METHOD, "operation read sends GET only");
        }
        String path = header(in, OntapConstants.PATH);
        if (path == null) {
            if (options.getPath() == null) {
                throw new InvalidRequestException("path", "missing: operation read needs the option path");
            }
            return options.getPath();
        }
        if (options.getPath() == null) {
            throw new InvalidRequestException(OntapConstants.PATH, "only for an endpoint with the option path");
        }
        OperationRequest.checkPlainPath(path, OntapConstants.PATH);
        return path;
    }

    /**
     * The endpoint's query options, with each {@code CamelOntapQuery.<name>} header of the message added (or replacing the
     * option of that name). A header's value is data: the client percent-encodes it, so it can add no parameter of its
     * own. Such headers only apply to an endpoint with the option path: a request document names its own query.
     */
    static Map<String, String> query(OntapConfiguration options, Message in) {
        Map<String, String> query = new LinkedHashMap<>();
        options.getQuery().forEach((k, v) -> query.put(k, String.valueOf(v)));
        for (var header : in.getHeaders().entrySet()) {
            if (!header.getKey().startsWith(OntapConstants.QUERY_PREFIX) || header.getValue() == null) {
                continue;
            }
            String name = header.getKey().substring(OntapConstants.QUERY_PREFIX.length());
            if (!QUERY_NAME.matcher(name).matches()) {
                throw new InvalidRequestException(OntapConstants.QUERY_PREFIX + "*", "a header's parameter name must be letters,"
                        + " digits, '_' and '.' (e.g. CamelOntapQuery.svm.name), at most 100");
            }
            if (options.getPath() == null) {
                throw new InvalidRequestException(OntapConstants.QUERY_PREFIX + name, "only for an endpoint with the option path"
                        + " (a request document names its own query)");
            }
            Object value = header.getValue();
            if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                // a list or map would be sent as its toString(): refuse it rather than send what nobody wrote
                throw new InvalidRequestException(header.getKey(), "must be a string, a number or true/false");
            }
            query.put(name, String.valueOf(value));
        }
        return query;
    }

    private static final java.util.regex.Pattern QUERY_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.]{1,100}");

    /**
     * The request of a run or trigger: the body as a request document when the endpoint has no path, else the
     * options with the body as the JSON body, method and path changed by the CamelOntapMethod and CamelOntapPath headers.
     * The allow list is the producer's to check.
     */
    static OperationRequest request(OntapEndpoint ep, Message in) {
        OntapConfiguration options = ep.getConfiguration();
        OperationRequest request;
        boolean derive; // no id of its own: one from the event it came from, if any
        if (options.getPath() == null) {
            for (String header : List.of(OntapConstants.METHOD, OntapConstants.PATH)) {
                if (in.getHeader(header) != null) {
                    throw new InvalidRequestException(header, "only for an endpoint with the option path (a request document"
                            + " names its own method and path)");
                }
            }
            query(options, in); // refuses CamelOntapQuery.* headers: a request document names its own query
            Object body = in.getBody();
            String text = null; // a text body, read once (bounded) and parsed from it
            request = body instanceof OperationRequest r ? r
                    : body instanceof JsonNode n ? OperationRequest.fromJson(n)
                    : body instanceof Map<?, ?> m ? OperationRequest.fromJson(JSON.valueToTree(m))
                    : OperationRequest.fromJson(text = boundedText(in), fileId(in));
            derive = !(body instanceof OperationRequest) && fileId(in) == null && !documentHasId(body, text);
            if (request.cluster().equals("default") && !ep.getCluster().equals("default")) {
                request = request.with(request.id(), ep.getCluster());
            }
            // an exchange property, never a header: headers can come from outside (JMS properties, HTTP)
            String who = in.getExchange().getProperty(OntapConstants.REQUESTED_BY, String.class);
            if (request.requestedBy() == null && who != null) {
                request = request.requestedBy(who);
            }
        } else {
            String method = header(in, OntapConstants.METHOD);
            if (method != null && !TRIGGER_METHODS.contains(method)) {
                throw new InvalidRequestException(OntapConstants.METHOD, "not POST, PATCH or DELETE");
            }
            String path = header(in, OntapConstants.PATH);
            if (path != null) {
                OperationRequest.checkPath(path, OntapConstants.PATH);
            }
            String id = in.getHeader(OntapConstants.OPERATION_ID, String.class);
            derive = id == null;
            request = new OperationRequest(id, ep.getCluster(),
                    method != null ? method : options.getMethod(), path != null ? path : options.getPath(), query(options, in), body(in),
                    options.getTimeout() == 0 ? null : java.time.Duration.ofMillis(options.getTimeout()), options.getPolicy(),
                    options.getReturnTimeout());
        }
        String eventId = derive ? eventOperationId(ep, in.getExchange(), request) : null;
        return eventId == null ? request : request.with(eventId, request.cluster());
    }

    /** Whether the request document names its own id; {@code text} is a text body, already read as a valid document. */
    private static boolean documentHasId(Object body, String text) {
        if (body instanceof JsonNode n) {
            return n.hasNonNull("id");
        }
        if (body instanceof Map<?, ?> m) {
            return m.get("id") != null;
        }
        try {
            return JSON.readTree(text).hasNonNull("id");
        } catch (Exception e) {
            return true;
        }
    }

    /**
     * The operation id of a message that came from an EMS event ({@link OntapConstants#EVENT_KEY_PROPERTY}, set by the
     * consumer) and names none: derived from the route, this endpoint, the event's key and the request (method, path,
     * query, body), so that the event delivered again (after a crash, before its bookmark moved) finds its operation
     * instead of triggering a second one, while different requests made from one event (a split) stay different
     * operations. {@code ev-}, 24 hex digits of a SHA-256, {@code -} and the event's index: a valid operation id.
     */
    static String eventOperationId(OntapEndpoint ep, Exchange exchange, OperationRequest request) {
        String key = exchange.getProperty(OntapConstants.EVENT_KEY_PROPERTY, String.class);
        if (key == null) {
            return null;
        }
        String route = exchange.getFromRouteId() == null ? "" : exchange.getFromRouteId();
        String what = String.join("\n", route, ep.getEndpointUri(), key, request.method(), request.path(),
                String.valueOf(request.query()), String.valueOf(request.bodyText()));
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(what.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String tail = key.substring(key.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9]", "");
            return "ev-" + java.util.HexFormat.of().formatHex(hash, 0, 12) + (tail.isEmpty() ? "" : "-" + tail.substring(0, Math.min(20, tail.length())));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A header the component reads: a string or nothing; never echoed (it could be anything). */
    private static String header(Message in, String name) {
        Object value = in.getHeader(name);
        if (value != null && !(value instanceof String)) {
            throw new InvalidRequestException(name, "must be a string");
        }
        return (String) value;
    }

    /**
     * A request file without an id runs under its file name, so that the same file read again after a crash
     * finds its operation instead of triggering a new one.
     */
    private static String fileId(Message in) {
        String name = in.getHeader(Exchange.FILE_NAME_ONLY, String.class);
        return name == null ? null : OperationRequest.idFromName(name);
    }

    private static JsonNode body(Message in) {
        Object body = in.getBody();
        if (body == null) {
            return null;
        }
        if (body instanceof JsonNode n) {
            return n;
        }
        if (body instanceof Map<?, ?> || body instanceof Iterable<?>) {
            return JSON.valueToTree(body);
        }
        String text = boundedText(in);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new InvalidRequestException("body", "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * The body as text, its size checked before it is turned into a String: a String or byte[] by its length, a
     * stream read at most 1 MiB and one byte. Larger is refused ({@link OperationRequest#MAX_BODY_BYTES}), never read whole.
     */
    static String boundedText(Message in) {
        Object body = in.getBody();
        if (body == null) {
            return null;
        }
        if (body instanceof String s) {
            if (s.length() > OperationRequest.MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return s;
        }
        if (body instanceof byte[] b) {
            if (b.length > OperationRequest.MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
        java.io.InputStream stream = body instanceof java.io.InputStream is ? is
                : body instanceof CharSequence ? null : in.getBody(java.io.InputStream.class);
        if (stream == null) {
            String text = in.getBody(String.class);
            if (text != null && text.length() > OperationRequest.MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return text;
        }
        try {
            byte[] b = stream.readNBytes(OperationRequest.MAX_BODY_BYTES + 1);
            if (b.length > OperationRequest.MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new InvalidRequestException("body", "cannot be read (" + e.getClass().getSimpleName() + ")");
        } finally {
            if (stream != body) { // opened here (a file's stream): closed here; a stream body is its sender's
                try {
                    stream.close();
                } catch (java.io.IOException ignored) {
                    // read already
                }
            }
        }
    }

    private static InvalidRequestException tooLarge() {
        return new InvalidRequestException(null, "request larger than 1 MiB");
    }
}

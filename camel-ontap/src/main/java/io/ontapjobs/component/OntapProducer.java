package io.ontapjobs.component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.OntapResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.operation.ControlResult;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRunner;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.operation.NotAllowedException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.Map;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * Does the endpoint's operation, or the one the {@code CamelOntapOperation} header names. Starts it and returns at once;
 * the exchange continues when the outcome is known (Camel's async routing engine), so a thousand waiting operations
 * hold no thousand threads.
 */
public class OntapProducer extends DefaultAsyncProducer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TRIGGER_METHODS = Set.of("POST", "PATCH", "DELETE");

    public OntapProducer(OntapEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public OntapEndpoint getEndpoint() {
        return (OntapEndpoint) super.getEndpoint();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        try {
            Message in = exchange.getIn();
            OntapOperation operation = operation(in);
            return switch (operation) {
                case run -> run(exchange, callback, request(in));
                case trigger -> trigger(exchange, callback, request(in));
                case read -> read(exchange, callback, readPath(in), query(in));
                case cancel, pause, resume -> control(exchange, callback, operation.name());
            };
        } catch (RuntimeException e) {
            // refused before anything was sent
            exchange.setException(e);
            callback.done(true);
            return true;
        }
    }

    /**
     * The option {@code operation}, or the {@code CamelOntapOperation} header: one of the enum's names exactly, a word
     * compared and never resolved. With {@code enforceAllowList} only runs and triggers are sent.
     */
    private OntapOperation operation(Message in) {
        OntapConfiguration options = getEndpoint().getConfiguration();
        Object header = in.getHeader(OntapConstants.OPERATION);
        OntapOperation operation;
        if (header == null) {
            operation = options.getOperation();
        } else if (header instanceof OntapOperation o) {
            operation = o;
        } else {
            operation = Arrays.stream(OntapOperation.values()).filter(o -> o.name().equals(header)).findFirst()
                    .orElseThrow(() -> new InvalidRequestException(OntapConstants.OPERATION,
                            "not one of run, trigger, read, cancel, pause, resume"));
        }
        if (options.isEnforceAllowList() && operation != OntapOperation.run && operation != OntapOperation.trigger) {
            throw new NotAllowedException(header == null ? "operation" : OntapConstants.OPERATION, "operation " + operation
                    + " is not sent with enforceAllowList: the allow list covers runs and triggers only");
        }
        return operation;
    }

    /** run: trigger, await, policy; the outcome is the answer. */
    private boolean run(Exchange exchange, AsyncCallback callback, OperationRequest request) {
        exchange.getIn().setHeader(OntapConstants.OPERATION_ID, request.id());
        getEndpoint().getComponent().runner().run(request).whenComplete((outcome, error) -> {
            if (error != null) {
                exchange.setException(error);
            } else {
                publish(exchange.getMessage(), outcome);
            }
            callback.done(false);
        });
        return false;
    }

    /** read: a plain GET, every page (_links.next) of records, for split and fan-out. */
    private boolean read(Exchange exchange, AsyncCallback callback, String path, Map<String, String> query) {
        return onCluster(exchange, callback, cluster -> {
            List<Object> records = new java.util.ArrayList<>();
            OntapResponse r = cluster.client().get(path, query);
            while (true) {
                if (!r.isSuccess()) {
                    throw new OntapReadException(path, r);
                }
                JsonNode body = r.body();
                if (body != null && body.has("records")) {
                    body.get("records").forEach(n -> records.add(JSON.convertValue(n, Map.class)));
                } else if (body != null) {
                    records.add(JSON.convertValue(body, Map.class)); // a single object, e.g. /api/storage/volumes/{uuid}
                }
                String next = body == null ? null : body.path("_links").path("next").path("href").asText(null);
                if (next == null) {
                    break;
                }
                r = cluster.client().getHref(next);
            }
            Message out = exchange.getMessage();
            out.setBody(records);
            out.setHeader(OntapConstants.HTTP_STATUS, r.status());
        });
    }

    /** The path of a read: the option, or the CamelOntapPath header checked like a request's (a GET needs no job rule). */
    private String readPath(Message in) {
        OntapConfiguration options = getEndpoint().getConfiguration();
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

    /** trigger: the trigger alone; the job UUIDs come back at once. */
    private boolean trigger(Exchange exchange, AsyncCallback callback, OperationRequest request) {
        return onCluster(exchange, callback, cluster -> {
            OntapResponse r = cluster.client().call(request.method(), request.path(), request.query(), request.bodyText());
            List<String> uuids = io.ontapjobs.ontap.JobLinks.uuids(r.body());
            Message out = exchange.getMessage();
            out.setBody(r.body() == null ? null : r.body().toString());
            out.setHeader(OntapConstants.HTTP_STATUS, r.status());
            out.setHeader(OntapConstants.JOB_UUIDS, uuids);
            out.setHeader(OntapConstants.JOB_UUID, uuids.isEmpty() ? null : uuids.get(0));
            r.error().ifPresent(e -> {
                out.setHeader(OntapConstants.ERROR_CODE, e.code());
                out.setHeader(OntapConstants.ERROR_MESSAGE, e.message());
            });
        });
    }

    /** Runs a REST call on the cluster's bounded pool, then continues the exchange. */
    private boolean onCluster(Exchange exchange, AsyncCallback callback, ClusterWork work) {
        io.ontapjobs.operation.Cluster cluster = getEndpoint().getComponent().cluster(getEndpoint().getCluster());
        cluster.calls().execute(() -> {
            try {
                work.run(cluster);
            } catch (Exception e) {
                exchange.setException(e);
            }
            callback.done(false);
        });
        return false;
    }

    @FunctionalInterface
    private interface ClusterWork {
        void run(io.ontapjobs.operation.Cluster cluster) throws Exception;
    }

    /**
     * The endpoint's query options, with each {@code CamelOntapQuery.<name>} header of the message added (or replacing the
     * option of that name). A header's value is data: the client percent-encodes it, so it can add no parameter of its
     * own. Such headers only apply to an endpoint with the option path: a request document names its own query.
     */
    private Map<String, String> query(Message in) {
        Map<String, String> query = new LinkedHashMap<>();
        getEndpoint().getConfiguration().getQuery().forEach((k, v) -> query.put(k, String.valueOf(v)));
        for (var header : in.getHeaders().entrySet()) {
            if (!header.getKey().startsWith(OntapConstants.QUERY_PREFIX) || header.getValue() == null) {
                continue;
            }
            String name = header.getKey().substring(OntapConstants.QUERY_PREFIX.length());
            if (!QUERY_NAME.matcher(name).matches()) {
                throw new InvalidRequestException(OntapConstants.QUERY_PREFIX + "*", "a header's parameter name must be letters,"
                        + " digits, '_' and '.' (e.g. CamelOntapQuery.svm.name), at most 100");
            }
            if (getEndpoint().getConfiguration().getPath() == null) {
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

    /** cancel, pause, resume: on the operation's running job, or on a job by UUID. */
    private boolean control(Exchange exchange, AsyncCallback callback, String action) {
        Message in = exchange.getIn();
        String operation = in.getHeader(OntapConstants.OPERATION_ID, String.class);
        String job = in.getHeader(OntapConstants.JOB_UUID, String.class);
        OperationRunner runner = getEndpoint().getComponent().runner();
        CompletableFuture<ControlResult> result;
        if (operation != null) {
            result = runner.control(operation, action);
        } else if (job != null) {
            result = runner.controlJob(getEndpoint().getCluster(), job, action);
        } else {
            throw new InvalidRequestException(OntapConstants.OPERATION_ID, "set the header " + OntapConstants.OPERATION_ID
                    + " (an operation) or " + OntapConstants.JOB_UUID + " (a job) to " + action);
        }
        result.whenComplete((r, error) -> {
            if (error != null) {
                exchange.setException(error);
            } else {
                Message out = exchange.getMessage();
                ObjectNode body = JSON.createObjectNode();
                body.put("action", action).put("accepted", r.accepted()).put("job", r.job());
                if (!r.accepted()) {
                    body.putObject("error").put("code", r.code()).put("message", r.message());
                }
                out.setBody(body.toString());
                out.setHeader(OntapConstants.ACTION_ACCEPTED, r.accepted());
                out.setHeader(OntapConstants.HTTP_STATUS, r.status());
                out.setHeader(OntapConstants.ERROR_CODE, r.code());
                out.setHeader(OntapConstants.ERROR_MESSAGE, r.message());
            }
            callback.done(false);
        });
        return false;
    }

    /**
     * The request of a run or trigger: the body as a request document when the endpoint has no path, else the
     * options with the body as the JSON body, method and path changed by the CamelOntapMethod and CamelOntapPath headers.
     */
    private OperationRequest request(Message in) {
        OntapEndpoint ep = getEndpoint();
        OntapConfiguration options = ep.getConfiguration();
        OperationRequest request;
        if (options.getPath() == null) {
            for (String header : List.of(OntapConstants.METHOD, OntapConstants.PATH)) {
                if (in.getHeader(header) != null) {
                    throw new InvalidRequestException(header, "only for an endpoint with the option path (a request document"
                            + " names its own method and path)");
                }
            }
            query(in); // refuses CamelOntapQuery.* headers: a request document names its own query
            Object body = in.getBody();
            request = body instanceof OperationRequest r ? r
                    : body instanceof JsonNode n ? OperationRequest.fromJson(n)
                    : body instanceof Map<?, ?> m ? OperationRequest.fromJson(JSON.valueToTree(m))
                    : OperationRequest.fromJson(boundedText(in), fileId(in));
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
            request = new OperationRequest(in.getHeader(OntapConstants.OPERATION_ID, String.class), ep.getCluster(),
                    method != null ? method : options.getMethod(), path != null ? path : options.getPath(), query(in), body(in),
                    options.getTimeout() == 0 ? null : java.time.Duration.ofMillis(options.getTimeout()), options.getPolicy(),
                    options.getReturnTimeout());
        }
        if (options.isEnforceAllowList()) {
            ep.getComponent().checkAllowed(request);
        }
        return request;
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

    /** The outcome as the message: CloudEvents JSON in the body, the facts a route branches on in headers. */
    static void publish(Message out, Outcome outcome) {
        out.setBody(outcome.toJson());
        out.setHeader(Exchange.CONTENT_TYPE, "application/cloudevents+json");
        out.setHeader(OntapConstants.OUTCOME, outcome);
        out.setHeader(OntapConstants.OPERATION_ID, outcome.operationId());
        out.setHeader(OntapConstants.STATUS, outcome.status().word());
        out.setHeader(OntapConstants.ATTEMPTS, outcome.attempts());
        out.setHeader(OntapConstants.HTTP_STATUS, outcome.httpStatus());
        out.setHeader(OntapConstants.REASON, outcome.reason());
        Job job = outcome.job();
        if (job != null) {
            out.setHeader(OntapConstants.JOB_UUID, job.uuid());
            out.setHeader(OntapConstants.JOB_STATE, job.state());
            out.setHeader(OntapConstants.JOB_CODE, job.code() == null ? null : job.code().toString()); // a String, like the error code
            out.setHeader(OntapConstants.JOB_MESSAGE, job.message());
            out.setHeader(OntapConstants.ERROR_CODE, job.errorCode());
            out.setHeader(OntapConstants.ERROR_MESSAGE, job.errorMessage());
        }
    }
}

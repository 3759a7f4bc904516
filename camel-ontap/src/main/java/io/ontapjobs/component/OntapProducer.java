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
                case read -> read(exchange, callback, MessageRequest.readPath(getEndpoint().getConfiguration(), in),
                        MessageRequest.query(getEndpoint().getConfiguration(), in));
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
            OntapResponse r = io.ontapjobs.ontap.Pages.forEach(cluster.client(), cluster.client().get(path, query), page -> {
                if (!page.isSuccess()) {
                    throw new OntapReadException(path, page);
                }
                JsonNode body = page.body();
                if (body != null && body.has("records")) {
                    body.get("records").forEach(n -> records.add(JSON.convertValue(n, Map.class)));
                } else if (body != null) {
                    records.add(JSON.convertValue(body, Map.class)); // a single object, e.g. /api/storage/volumes/{uuid}
                }
                return true;
            });
            Message out = exchange.getMessage();
            out.setBody(records);
            out.setHeader(OntapConstants.HTTP_STATUS, r.status());
        });
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

    /** The request of a run or trigger, read from the message ({@link MessageRequest}), checked by the allow list if enforced. */
    private OperationRequest request(Message in) {
        OperationRequest request = MessageRequest.request(getEndpoint(), in);
        if (getEndpoint().getConfiguration().isEnforceAllowList()) {
            getEndpoint().getComponent().checkAllowed(request);
        }
        return request;
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

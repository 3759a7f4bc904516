package io.ontapjobs.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.operation.IdTakenException;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.operation.OperationRunner;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import io.ontapjobs.operation.NotAllowedException;
import io.ontapjobs.security.TokenGate;
import io.ontapjobs.store.StoreException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP API (Camel's platform HTTP, port {@code ontap.api.port}):
 * <pre>
 * POST /api/v1/operations                       a request document → 202 + Location (200 if this client's id is
 *                                               known, 409 if another requester's)
 * GET  /api/v1/operations[?status=running]      operations known to this service, newest first
 * GET  /api/v1/operations/{id}                  one operation: state, jobs, attempts, last poll, outcome
 * POST /api/v1/operations/{id}/cancel|pause|resume   PATCH on its running job; ONTAP's refusals → 409
 * </pre>
 * Bad input is answered 400 with a JSON error naming the field, a request the cluster's allow list does not cover
 * 403, an id another requester made 409 (field {@code id}, nothing of that operation disclosed); nothing reaches the
 * cluster then. Ids starting with {@code inbox.} or {@code queue.} are those entry points' and refused (400). Logins
 * are checked before any route, by the HTTP server's gate. Accepted operations run through
 * {@code direct:run-operation} (routes/service.yaml), like inbox files.
 */
public class OperationsApi extends RouteBuilder {
    public static final String BASE = "/api/v1/operations";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(OperationsApi.class);

    /** The words of {@code POST /api/v1/operations/{id}/{action}}: matched as strings, never put into a URI. */
    static final java.util.List<String> ACTIONS = java.util.List.of("cancel", "pause", "resume");

    @Override
    public void configure() {
        onException(NotAllowedException.class).handled(true).process(e -> refused(e, 403));
        // another requester's id: nothing of its operation is disclosed
        onException(IdTakenException.class).handled(true).process(e -> refused(e, 409));
        onException(InvalidRequestException.class).handled(true).process(e -> refused(e, 400));
        // the store cannot take it now: the client may try again; nothing was accepted
        onException(StoreException.class).handled(true).process(e -> {
            LOG.error("API: the store failed: {}", e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage());
            json(e.getMessage(), 503, error(null, "the service cannot record requests now; try again later"));
            e.getMessage().setHeader("Retry-After", "5");
        });
        onException(Exception.class).handled(true).process(e -> {
            Exception cause = e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            LOG.error("API: {} {} failed", e.getIn().getHeader(Exchange.HTTP_METHOD), e.getIn().getHeader(Exchange.HTTP_PATH), cause);
            json(e.getMessage(), 500, error(null, "internal error (logged by the service)"));
        });

        rest(BASE)
                .post().to("direct:api-submit")
                .get().to("direct:api-list")
                .get("/{id}").to("direct:api-get")
                .post("/{id}/{action}").to("direct:api-control");

        from("direct:api-submit").routeId("api-submit")
                .process(this::submit)
                .filter(exchangeProperty("ontapNew"))
                .wireTap("direct:run-operation").onPrepare(copy -> {
                    copy.getIn().removeHeaders("*");
                    copy.getIn().setBody(copy.getProperty("ontapRequest"));
                }).end();

        from("direct:api-list").routeId("api-list").process(e -> {
            ArrayNode list = JSON.createArrayNode();
            OperationViews.list(runner(), e.getIn().getHeader("status", String.class)).forEach(list::add);
            ObjectNode answer = JSON.createObjectNode().put("num_records", list.size());
            answer.set("records", list);
            // the page says so: outcomes of a simulator are no real work
            ArrayNode simulated = answer.putArray("simulated_clusters");
            ontap().clusterNames().stream().sorted().filter(c -> ontap().isSimulator(c)).forEach(simulated::add);
            json(e.getMessage(), 200, answer);
        });

        from("direct:api-get").routeId("api-get").process(e -> {
            String id = e.getIn().getHeader("id", String.class);
            var view = OperationViews.view(runner(), id);
            if (view.isPresent()) {
                json(e.getMessage(), 200, view.get());
            } else {
                json(e.getMessage(), 404, error("id", "no such operation"));
            }
        });

        // each action is its own fixed endpoint: the path segment is compared, never resolved
        from("direct:api-control").routeId("api-control")
                .process(e -> {
                    String action = e.getIn().getHeader("action", String.class);
                    if (!ACTIONS.contains(action)) {
                        throw new InvalidRequestException("action", "not one of cancel, pause, resume");
                    }
                    String id = e.getIn().getHeader("id", String.class);
                    e.getIn().removeHeaders("*", "action");
                    e.getIn().setHeader(OntapConstants.OPERATION_ID, id);
                    e.getIn().setBody(null);
                    LOG.info("API: {} of operation {} by {}", action, id, client(e.getIn()));
                })
                .choice()
                    .when(header("action").isEqualTo("cancel")).to("ontap:default?operation=cancel")
                    .when(header("action").isEqualTo("pause")).to("ontap:default?operation=pause")
                    .otherwise().to("ontap:default?operation=resume")
                .end()
                .process(e -> {
                    Message m = e.getMessage();
                    Object status = m.getHeader(OntapConstants.HTTP_STATUS);
                    m.removeHeaders("*"); // the component's headers are not the HTTP answer's
                    m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
                    m.setHeader(Exchange.CONTENT_TYPE, "application/json");
                });
    }

    private void submit(Exchange e) {
        Message in = e.getIn();
        String type = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            json(e.getMessage(), 415, error("Content-Type", "send the request document as application/json"));
            return;
        }
        byte[] bytes = in.getBody(byte[].class);
        if (bytes != null && bytes.length > OperationRequest.MAX_BODY_BYTES) {
            throw new InvalidRequestException(null, "request larger than 1 MiB");
        }
        OperationRequest sent = OperationRequest.fromJson(bytes == null ? null : new String(bytes, StandardCharsets.UTF_8));
        OperationRequest.checkNotReserved(sent.id()); // the inbox's and the queue's ids
        OperationRequest request = sent.requestedBy(client(in));
        ontap().checkAllowed(request);
        boolean fresh = runner().accept(request);
        e.setProperty("ontapNew", fresh);
        e.setProperty("ontapRequest", request);
        var view = OperationViews.view(runner(), request.id())
                .orElseThrow(() -> new IllegalStateException("operation " + request.id() + " is recorded but cannot be read back"));
        Message out = e.getMessage();
        json(out, fresh ? 202 : 200, view);
        out.setHeader("Location", BASE + "/" + request.id());
    }

    /** The client the HTTP gate let in (the header is the gate's own: it removes what a client sent). */
    private static String client(Message in) {
        String who = in.getHeader(TokenGate.CLIENT_HEADER, String.class);
        return who == null ? "anonymous" : who;
    }

    private void refused(Exchange e, int status) {
        InvalidRequestException bad = e.getProperty(Exchange.EXCEPTION_CAUGHT, InvalidRequestException.class);
        json(e.getMessage(), status, error(bad.field(), bad.getMessage()));
    }

    private OntapComponent ontap() {
        return getContext().getComponent("ontap", OntapComponent.class);
    }

    private OperationRunner runner() {
        return ontap().runner();
    }

    static ObjectNode error(String field, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("field", field).put("message", message);
        return error;
    }

    /** The whole answer: nothing of the request's headers (query and form fields become headers) is echoed back. */
    static void json(Message m, int status, Object body) {
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(body.toString());
    }
}

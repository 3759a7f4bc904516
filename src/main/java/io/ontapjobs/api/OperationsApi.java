package io.ontapjobs.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.operation.OperationRunner;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;

/**
 * The service's HTTP API (Camel's platform HTTP, port {@code ontap.api.port}):
 * <pre>
 * POST /api/v1/operations                       a request document → 202 + Location (200 if the id is known)
 * GET  /api/v1/operations[?status=running]      operations known to this service, newest first
 * GET  /api/v1/operations/{id}                  one operation: state, jobs, attempts, last poll, outcome
 * POST /api/v1/operations/{id}/cancel|pause|resume   PATCH on its running job; ONTAP's refusals → 409
 * </pre>
 * Bad input is answered 400 with a JSON error naming the field; nothing reaches the cluster then. Accepted
 * operations run through {@code direct:run-operation} (routes/service.yaml), like inbox files.
 */
public class OperationsApi extends RouteBuilder {
    public static final String BASE = "/api/v1/operations";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void configure() {
        onException(InvalidRequestException.class).handled(true).process(e -> {
            InvalidRequestException bad = e.getProperty(Exchange.EXCEPTION_CAUGHT, InvalidRequestException.class);
            ObjectNode error = JSON.createObjectNode();
            error.putObject("error").put("field", bad.field()).put("message", bad.getMessage());
            json(e.getMessage(), 400, error);
        });

        // a request that is not JSON (curl -d sends a form) is refused with 415 before it reaches a route
        restConfiguration().clientRequestValidation(true);
        rest(BASE)
                .post().consumes("application/json").to("direct:api-submit")
                .get().to("direct:api-list")
                .get("/{id}").to("direct:api-get")
                .post("/{id}/{action}").to("direct:api-control");

        from("direct:api-submit").routeId("api-submit")
                .process(this::submit)
                .filter(exchangeProperty("ontapNew"))
                .wireTap("direct:run-operation").onPrepare(copy -> copy.getIn().setBody(copy.getProperty("ontapRequest"))).end();

        from("direct:api-list").routeId("api-list").process(e -> {
            ArrayNode list = JSON.createArrayNode();
            runner().list(e.getIn().getHeader("status", String.class)).forEach(list::add);
            json(e.getMessage(), 200, JSON.createObjectNode().put("num_records", list.size()).set("records", list));
        });

        from("direct:api-get").routeId("api-get").process(e -> {
            String id = e.getIn().getHeader("id", String.class);
            var view = runner().view(id);
            if (view.isPresent()) {
                json(e.getMessage(), 200, view.get());
            } else {
                json(e.getMessage(), 404, error(null, "no operation '" + id + "'"));
            }
        });

        from("direct:api-control").routeId("api-control")
                .setHeader(OntapConstants.OPERATION_ID, header("id"))
                .toD("ontap:default?action=${header.action}")
                .process(e -> {
                    Message m = e.getMessage();
                    m.setHeader(Exchange.HTTP_RESPONSE_CODE, m.getHeader(OntapConstants.HTTP_STATUS));
                    m.setHeader(Exchange.CONTENT_TYPE, "application/json");
                });
    }

    private void submit(Exchange e) {
        Message in = e.getIn();
        String text = in.getBody(String.class);
        if (text != null && text.length() > OperationRequest.MAX_BODY_BYTES) {
            throw new InvalidRequestException(null, "request larger than 1 MiB");
        }
        OperationRequest request = OperationRequest.fromJson(text);
        boolean fresh = runner().accept(request);
        e.setProperty("ontapNew", fresh);
        e.setProperty("ontapRequest", request);
        in.setHeader("Location", BASE + "/" + request.id());
        json(e.getMessage(), fresh ? 202 : 200, runner().view(request.id()).orElseThrow());
    }

    private OperationRunner runner() {
        return getContext().getComponent("ontap", OntapComponent.class).runner();
    }

    static ObjectNode error(String field, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("field", field).put("message", message);
        return error;
    }

    static void json(Message m, int status, Object body) {
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(body.toString());
    }
}

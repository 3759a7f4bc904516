package io.ontapjobs.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.operation.StoredOperation;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An operation the store knows reads as the stored outcome's {@code data}, byte for byte, as when the runner built the
 * view from the stored JSON itself: the outcome is now read once ({@link StoredOperation#readOutcome}) and written back.
 */
class OperationViewsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant AT = Instant.parse("2030-01-01T00:00:00.123456Z");

    static Job job(String json) throws Exception {
        return Job.from(JSON.readTree(json));
    }

    @Test
    void anEndedOperationShowsItsStoredOutcome() throws Exception {
        Job first = job("{\"uuid\":\"a-1\",\"state\":\"failure\",\"code\":524486,\"message\":\"Volume busy\","
                + "\"error\":{\"code\":\"524486\",\"message\":\"busy\",\"arguments\":[{\"code\":\"x\"}]},"
                + "\"start_time\":\"2030-01-01T00:00:00+00:00\",\"end_time\":\"2030-01-01T00:00:01+00:00\"}");
        Job second = job("{\"uuid\":\"b-2\",\"state\":\"success\",\"code\":0,\"message\":\"Complete: done\"}");
        ObjectNode cancel = JSON.createObjectNode().put("job", "b-2").put("reason", "timed out").put("accepted", false)
                .put("http_status", 409).put("code", "458784").put("message", "cannot cancel");
        Outcome outcome = new Outcome("op1", "default", "POST", "/api/storage/volumes", OutcomeStatus.TIMED_OUT, second,
                List.of(first, second), 2, 7, 202, "timed out after 10 s", cancel, AT, "api-client", true);
        String stored = outcome.toJson();
        StoredOperation s = new StoredOperation("op1", "default", "{}", "timed_out", 2, "[\"b-2\"]", AT, stored);

        ObjectNode before = (ObjectNode) JSON.readTree(stored).get("data").deepCopy(); // what the runner showed
        before.put("status", "timed_out");
        before.put("accepted_at", AT.toString());

        assertThat(OperationViews.view(s).toString()).isEqualTo(before.toString());
    }

    @Test
    void anOperationNotEndedShowsItsRequest() {
        OperationRequest r = OperationRequest.fromJson("{\"id\":\"op2\",\"method\":\"DELETE\",\"path\":\"/api/storage/volumes/v1\"}")
                .requestedBy("api-client");
        StoredOperation s = new StoredOperation("op2", "default", r.toJson(), "running", 1, "[\"c-3\"]", AT, null);

        assertThat(OperationViews.view(s).toString()).isEqualTo("{\"operation\":{\"id\":\"op2\",\"cluster\":\"default\","
                + "\"method\":\"DELETE\",\"path\":\"/api/storage/volumes/v1\"},\"attempts\":1,\"requested_by\":\"api-client\","
                + "\"status\":\"running\",\"accepted_at\":\"" + AT + "\"}");
    }

    @Test
    void theViewOfAStoredOperationShowsItsQueryEvenFromAnOutcomeStoredWithoutIt() {
        String request = "{\"id\":\"%s\",\"cluster\":\"default\",\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\","
                + "\"query\":{\"svm.name\":\"svm1\",\"name\":\"vol1\"},\"return_timeout\":5}";
        StoredOperation waiting = new StoredOperation("waiting", "default", request.formatted("waiting"), "running", 1, "[]", AT, null);
        // an outcome as this service wrote it before outcomes recorded the query
        String oldOutcome = new Outcome("old", "default", "PATCH", "/api/storage/volumes", OutcomeStatus.SUCCEEDED, null,
                List.of(), 1, 0, 202, null, null, AT).toJson();
        StoredOperation old = new StoredOperation("old", "default", request.formatted("old"), "succeeded", 1, "[]", AT, oldOutcome);

        String query = "{\"name\":\"vol1\",\"svm.name\":\"svm1\"}";
        assertThat(OperationViews.view(waiting).at("/operation/query").toString()).isEqualTo(query);
        assertThat(OperationViews.view(old).at("/operation/query").toString()).isEqualTo(query);
    }
}

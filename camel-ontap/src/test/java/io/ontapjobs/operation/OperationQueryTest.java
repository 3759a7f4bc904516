package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The query of an operation: one return_timeout, and the filter recorded in the outcome and the log line. */
class OperationQueryTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static OperationRequest request(String json) {
        return OperationRequest.fromJson(json);
    }

    @Test
    void returnTimeoutInTheQueryIsTheRequestsReturnTimeout() {
        OperationRequest inQuery = request("{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"name\":\"v1\",\"return_timeout\":\"15\"}}");
        OperationRequest both = request("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"query\":{\"return_timeout\":\"15\"},\"return_timeout\":15}");

        assertThat(inQuery.returnTimeout()).isEqualTo(15);
        assertThat(inQuery.query()).isEqualTo(Map.of("name", "v1"));
        assertThat(both.returnTimeout()).isEqualTo(15);
        assertThatThrownBy(() -> request("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"query\":{\"return_timeout\":\"15\"},"
                + "\"return_timeout\":30}")).isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("return_timeout: given twice");
        for (String bad : List.of("*", "121", "1|2", "-1", "", "1000")) {
            assertThatThrownBy(() -> request("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"query\":{\"return_timeout\":\"" + bad + "\"}}"))
                    .as(bad).isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("query: return_timeout must be");
        }
    }

    @Test
    void theLogLineShowsTheQueryByNameWithNoLineBreakingCharacter() {
        OperationRequest r = request("{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"svm.name\":\"svm1\",\"name\":\"vol1\"}}");
        OperationRequest nel = request("{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"name\":\"a\\u2029b\\u2028c\"}}");

        assertThat(r.pathAndQuery()).isEqualTo("/api/storage/volumes?name=vol1&svm.name=svm1");
        assertThat(nel.pathAndQuery()).isEqualTo("/api/storage/volumes?name=a?b?c");
        assertThat(request("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}").pathAndQuery()).isEqualTo("/api/storage/volumes");
        // C1 controls (NEL; 0x9b, which a terminal takes for ESC [) are refused at intake, as C0 ones are
        assertThatThrownBy(() -> request("{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"name\":\"a\\u0085b\"}}"))
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("query: ");
    }

    @Test
    void theOutcomeRecordsTheQueryAndReadsOldOutcomesWithout() throws Exception {
        Outcome outcome = new Outcome("op1", "default", "PATCH", "/api/storage/volumes", OutcomeStatus.SUCCEEDED, null, List.of(), 1, 0,
                202, null, null, Instant.parse("2026-12-07T22:00:00Z"), "alice", false, Map.of("svm.name", "svm1", "name", "vol1"));

        var event = outcome.toCloudEvent();
        assertThat(event.at("/data/operation/query").toString()).isEqualTo("{\"name\":\"vol1\",\"svm.name\":\"svm1\"}");
        assertThat(Outcome.fromCloudEvent(JSON.readTree(outcome.toJson())).query()).isEqualTo(outcome.query());

        var old = (com.fasterxml.jackson.databind.node.ObjectNode) event.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) old.at("/data/operation")).remove("query");
        Outcome read = Outcome.fromCloudEvent(old);
        assertThat(read.query()).isEmpty();
        assertThat(read.toCloudEvent().at("/data/operation").has("query")).as("none: none shown").isFalse();
        assertThat(read.path()).isEqualTo("/api/storage/volumes");
    }
}

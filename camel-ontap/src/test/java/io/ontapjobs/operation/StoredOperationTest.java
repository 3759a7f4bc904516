package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.ontap.Job;
import io.ontapjobs.outcome.Outcome;
import io.ontapjobs.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stored operation's jobs and outcome are read in one place each; job UUIDs are checked by one pattern. */
class StoredOperationTest {
    static final Instant AT = Instant.parse("2030-01-01T00:00:00Z");

    static StoredOperation stored(String jobs, String outcome) {
        return new StoredOperation("op1", "default", "{}", outcome == null ? "running" : "succeeded", 1, jobs, AT, outcome);
    }

    @Test
    void jobsAreWrittenAndReadBackAsAJsonArray() {
        String json = StoredOperation.jobsJson(List.of("a-1", "b-2"));

        assertThat(json).isEqualTo("[\"a-1\",\"b-2\"]");
        assertThat(stored(json, null).jobUuids()).containsExactly("a-1", "b-2");
        assertThat(stored(null, null).jobUuids()).isEmpty();
        assertThatThrownBy(() -> stored("[", null).jobUuids()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stored jobs of op1 are unreadable");
    }

    @Test
    void theOutcomeIsReadBackAsWritten() {
        Outcome outcome = new Outcome("op1", "default", "POST", "/api/storage/volumes", OutcomeStatus.SUCCEEDED, null, List.of(),
                1, 2, 202, null, null, AT);

        Outcome read = stored(null, outcome.toJson()).readOutcome();

        assertThat(read.toCloudEvent()).isEqualTo(outcome.toCloudEvent());
        assertThat(stored(null, null).readOutcome()).isNull();
        assertThatThrownBy(() -> stored(null, "{").readOutcome()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stored outcome of op1 is unreadable");
    }

    @Test
    void aJobUuidIsHexDigitsAndDashes() {
        assertThat(Job.isUuid("1cd8a442-86d1-11e0-ae1c-123478563412")).isTrue();
        assertThat(Job.isUuid("../../api/security")).isFalse();
        assertThat(Job.isUuid("a/b")).isFalse();
        assertThat(Job.isUuid("")).isFalse();
        assertThat(Job.isUuid(null)).isFalse();
        assertThat(Job.isUuid("a".repeat(65))).isFalse();
    }
}

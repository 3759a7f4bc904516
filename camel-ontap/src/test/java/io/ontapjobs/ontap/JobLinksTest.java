package io.ontapjobs.ontap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The two shapes of a job that ended within a call (return_timeout). */
class JobLinksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OntapResponse answer(int status, String body) throws Exception {
        return new OntapResponse(status, JSON.readTree(body), null);
    }

    @Test
    void aSuccessStatusWhoseJobFailedIsAFailedJob() throws Exception {
        Job job = JobLinks.endedWithinCall(answer(201, "{\"job\":{\"uuid\":\"j1\",\"state\":\"failure\",\"code\":524486,"
                + "\"message\":\"Volume busy\",\"error\":{\"code\":\"524486\",\"message\":\"Volume busy\"}}}"));
        assertThat(job.isFailure()).isTrue();
        assertThat(job.code()).isEqualTo(524486L);
    }

    @Test
    void anErrorAnswerCarryingTheJobIsThatJobFailed() throws Exception {
        Job job = JobLinks.endedWithinCall(answer(400, "{\"error\":{\"message\":\"Volume busy\",\"code\":\"524486\",\"target\":\"name\"},"
                + "\"job\":{\"uuid\":\"j1\",\"_links\":{\"self\":{\"href\":\"/api/cluster/jobs/j1\"}}}}"));
        assertThat(job.uuid()).isEqualTo("j1");
        assertThat(job.isFailure()).isTrue();
        assertThat(job.code()).isEqualTo(524486L);
        assertThat(job.errorCode()).isEqualTo("524486");
        assertThat(job.message()).isEqualTo("Volume busy");
    }

    @Test
    void otherAnswersEndNoJob() throws Exception {
        assertThat(JobLinks.endedWithinCall(answer(400, "{\"error\":{\"message\":\"duplicate entry\",\"code\":\"1\"}}"))).isNull();
        assertThat(JobLinks.endedWithinCall(answer(202, "{\"job\":{\"uuid\":\"j1\",\"_links\":{}}}"))).isNull();
        assertThat(JobLinks.endedWithinCall(answer(200, "{\"job\":{\"uuid\":\"j1\",\"state\":\"running\"}}"))).isNull();
        assertThat(JobLinks.endedWithinCall(new OntapResponse(502, null, null))).isNull();
    }
}

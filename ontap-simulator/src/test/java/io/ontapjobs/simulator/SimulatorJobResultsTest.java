package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A multi-record POST's job carries {@code _links.results}: NetApp's Python client ({@code post_collection}) watches
 * the job, takes {@code job_results_uuid} from that link's query, GETs the collection with it and returns its
 * {@code records} (raising on {@code errors}). Without the link it returns an empty list.
 */
class SimulatorJobResultsTest {
    private final OntapSimulator sim = OntapSimulator.builder().build().start();
    private final SimClient client = new SimClient(sim);

    @AfterEach
    void stop() {
        sim.close();
    }

    private static final String TWO_QTREES = "{\"records\":[{\"name\":\"q1\",\"volume\":{\"name\":\"v1\"}},{\"name\":\"q2\",\"volume\":{\"name\":\"v1\"}}]}";

    /** What post_collection does after the POST: watch the job, then follow its results link. */
    private List<String> followResults(SimClient.Res post) throws Exception {
        JsonNode job = post.json().path("job");
        String jobUuid = job.path("uuid").asText();
        String results = job.path("_links").path("results").path("href").asText();
        assertThat(results).isEqualTo("/api/storage/qtrees?job_results_uuid=" + jobUuid);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state(jobUuid).matches("success|failure"));
        String query = URI.create(results).getQuery();
        String uuid = query.substring(query.indexOf("job_results_uuid=") + "job_results_uuid=".length());
        JsonNode answer = client.get("/api/storage/qtrees?job_results_uuid=" + uuid).json();
        List<String> names = new ArrayList<>();
        answer.path("records").forEach(r -> names.add(r.path("name").asText() + "/" + r.path("uuid").asText().length()));
        assertThat(answer.path("num_records").asInt()).isEqualTo(names.size());
        return names;
    }

    @Test
    void aMultiRecordPostsJobLinksToTheRecordsItCreated() throws Exception {
        client.post("/api/storage/qtrees?return_timeout=5", "{\"records\":[{\"name\":\"other\"}]}"); // another job's record
        SimClient.Res post = client.post("/api/storage/qtrees", TWO_QTREES);
        assertThat(post.status()).isEqualTo(202);

        assertThat(followResults(post)).containsExactly("q1/36", "q2/36");
        String jobUuid = post.json().path("job").path("uuid").asText();
        assertThat(client.get("/api/cluster/jobs/" + jobUuid).json().path("_links").path("results").path("href").asText())
                .as("the job object carries it too").isEqualTo("/api/storage/qtrees?job_results_uuid=" + jobUuid);
        assertThat(client.get("/api/storage/qtrees?job_results_uuid=" + jobUuid + "&fields=volume.name").json()
                .path("records").get(0).path("volume").path("name").asText()).isEqualTo("v1");
    }

    @Test
    void inTimeTheFullJobCarriesTheLinkAndAFailedJobAnswersErrors() throws Exception {
        SimClient.Res done = client.post("/api/storage/qtrees?return_timeout=5", TWO_QTREES);
        assertThat(done.status()).isEqualTo(201);
        assertThat(followResults(done)).hasSize(2);

        sim.addScenario(Scenario.on("POST", "/api/storage/qtrees").duration(Duration.ofMillis(100)).fails(917927, "qtree busy").build());
        SimClient.Res failed = client.post("/api/storage/qtrees", TWO_QTREES.replace("q1", "q3").replace("q2", "q4"));
        String jobUuid = failed.json().path("job").path("uuid").asText();
        assertThat(followResults(failed)).isEmpty();
        JsonNode answer = client.get("/api/storage/qtrees?job_results_uuid=" + jobUuid).json();
        assertThat(answer.path("errors").get(0).path("code").asText()).isEqualTo("917927");
        assertThat(answer.path("errors").get(0).path("message").asText()).isEqualTo("qtree busy");
    }

    @Test
    void singleRecordPostsHaveNoResultsLinkAndUnknownResultsAre404() throws Exception {
        SimClient.Res one = client.post("/api/storage/qtrees", "{\"name\":\"solo\"}");
        assertThat(one.json().path("job").path("_links").has("results")).isFalse();
        assertThat(one.header("Location")).isNotNull();
        SimClient.Res unknown = client.get("/api/storage/qtrees?job_results_uuid=0b2d8f4e-0000-0000-0000-000000000000");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("4");
    }
}

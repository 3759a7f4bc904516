package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.simulator.SimClient.Res;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What real ONTAP clients (NetApp's Python client among them) rely on: the Location of a created object, a job
 * that fails within return_timeout answered as an error, the bulk {"records": [...]} form, hal+json, HEAD and OPTIONS.
 */
class SimulatorClientShapesTest {
    private OntapSimulator sim;
    private SimClient client;

    @BeforeEach
    void start() {
        sim = OntapSimulator.builder().port(0).build().start();
        sim.addScenario(Scenario.on("*", "/api/*").duration(Duration.ofMillis(50)).build());
        client = new SimClient(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void createAnswersNameTheNewObjectInLocation() throws Exception {
        Res accepted = client.post("/api/storage/volumes", "{\"name\":\"vol 1\",\"svm\":{\"name\":\"vs0\"}}");
        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.header("Location")).isEqualTo("/api/storage/volumes/?name=vol%201");

        Res created = client.post("/api/storage/volumes?return_timeout=5", "{\"name\":\"vol2\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/api/storage/volumes/?name=vol2");
        // the Location leads to the new object, as a client's follow-up GET expects
        Res found = client.get(created.header("Location"));
        assertThat(found.json().path("num_records").asInt()).isEqualTo(1);
        assertThat(found.json().path("records").get(0).path("name").asText()).isEqualTo("vol2");

        // no name: the uuid identifies the record
        Res nameless = client.post("/api/snapmirror/relationships?return_timeout=5", "{\"source\":{\"path\":\"vs0:v1\"}}");
        String location = nameless.header("Location");
        assertThat(location).matches("/api/snapmirror/relationships/[0-9a-f-]{36}");
        assertThat(client.get(location).json().path("source").path("path").asText()).isEqualTo("vs0:v1");

        assertThat(client.patch("/api/storage/volumes/abc", "{\"size\":1}").header("Location")).isNull();
        assertThat(client.delete("/api/storage/volumes/abc").header("Location")).isNull();
    }

    @Test
    void aJobThatFailsWithinReturnTimeoutIsAnsweredAsAnError() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(50))
                .fails(917927, "Volume vol1 already exists in Vserver vs0", "name").build());

        Res r = client.post("/api/storage/volumes?return_timeout=5", "{\"name\":\"vol1\"}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type")).isEqualTo("application/hal+json");
        assertThat(r.header("Location")).as("nothing was created").isNull();
        JsonNode error = r.json().path("error");
        assertThat(error.path("code").asText()).isEqualTo("917927");
        assertThat(error.path("message").asText()).isEqualTo("Volume vol1 already exists in Vserver vs0");
        assertThat(error.path("target").asText()).isEqualTo("name");
        String uuid = r.json().path("job").path("uuid").asText();
        assertThat(r.json().path("job").path("_links").path("self").path("href").asText()).isEqualTo("/api/cluster/jobs/" + uuid);
        assertThat(client.get("/api/cluster/jobs/" + uuid).json().path("state").asText()).isEqualTo("failure");
        assertThat(client.get("/api/storage/volumes?name=vol1").json().path("num_records").asInt()).isZero();

        // without return_timeout the same request is still accepted with 202
        assertThat(client.post("/api/storage/volumes", "{\"name\":\"vol1\"}").status()).isEqualTo(202);
    }

    @Test
    void bulkRecordsCreateOneRecordEach() throws Exception {
        Res r = client.post("/api/storage/qtrees?return_timeout=5",
                "{\"records\":[{\"name\":\"q1\",\"volume\":{\"name\":\"v1\"}},{\"name\":\"q2\",\"volume\":{\"name\":\"v1\"}}]}");

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("job").path("state").asText()).as("one job for the request").isEqualTo("success");
        assertThat(r.header("Location")).as("no single object to name").isNull();
        JsonNode list = client.get("/api/storage/qtrees?fields=*").json();
        assertThat(list.path("num_records").asInt()).isEqualTo(2);
        assertThat(list.path("records").get(0).path("name").asText()).isEqualTo("q1");
        assertThat(list.path("records").get(1).path("name").asText()).isEqualTo("q2");
        assertThat(list.path("records").get(0).has("records")).isFalse();
        assertThat(list.path("records").get(0).path("uuid").asText()).isNotEqualTo(list.path("records").get(1).path("uuid").asText());
    }

    @Test
    void bulkFormThatMakesNoSenseIsRefusedWithoutAJob() throws Exception {
        for (String body : new String[] {"{\"records\":[]}", "{\"records\":{\"name\":\"q\"}}", "{\"records\":[1]}"}) {
            Res r = client.post("/api/storage/qtrees", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.errorCode()).as(body).isEqualTo("262197");
            assertThat(r.json().path("error").path("target").asText()).as(body).isEqualTo("records");
        }
        Res extra = client.post("/api/storage/qtrees", "{\"records\":[{\"name\":\"q\"}],\"name\":\"x\"}");
        assertThat(extra.status()).isEqualTo(400);
        assertThat(extra.errorCode()).isEqualTo("262179");
        assertThat(sim.jobCount()).isZero();
    }

    @Test
    void apiAnswersAreHalJsonTheControlApiPlainJson() throws Exception {
        assertThat(client.post("/api/storage/volumes", "{\"name\":\"v\"}").header("Content-Type")).isEqualTo("application/hal+json");
        assertThat(client.get("/api/cluster/jobs").header("Content-Type")).isEqualTo("application/hal+json");
        assertThat(client.get("/api/cluster/jobs/00000000-0000-0000-0000-000000000000").header("Content-Type")).isEqualTo("application/hal+json");
        assertThat(client.get("/_simulator/stats").header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void headIsGetWithoutBodyAndOptionsNamesTheMethods() throws Exception {
        String uuid = client.start("/api/storage/volumes", "{\"name\":\"v\"}");

        Res head = client.send("HEAD", "/api/cluster/jobs/" + uuid, null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.raw().body()).isEmpty();
        assertThat(head.header("Content-Type")).isEqualTo("application/hal+json");
        assertThat(client.send("HEAD", "/api/cluster/jobs", null).status()).isEqualTo(200);
        assertThat(client.send("HEAD", "/api/cluster/jobs/00000000-0000-0000-0000-000000000000", null).status()).isEqualTo(404);

        Res options = client.send("OPTIONS", "/api/cluster/jobs/" + uuid, null);
        assertThat(options.status()).isEqualTo(200);
        assertThat(options.header("Allow")).contains("GET", "HEAD", "PATCH", "OPTIONS").doesNotContain("POST");
        assertThat(client.send("OPTIONS", "/api/cluster/jobs", null).header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(client.send("OPTIONS", "/api/storage/volumes", null).header("Allow")).contains("POST", "PATCH", "DELETE");

        Res notAllowed = client.post("/api/cluster/jobs", "{}");
        assertThat(notAllowed.status()).isEqualTo(405);
        assertThat(notAllowed.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(client.send("PUT", "/api/storage/volumes", "{}").status()).isEqualTo(405);
    }
}

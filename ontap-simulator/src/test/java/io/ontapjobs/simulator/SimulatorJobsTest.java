package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.simulator.SimClient.Res;
import io.ontapjobs.simulator.junit.OntapSimulatorTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

// a fresh simulator per test: these tests count jobs and records, which a reset of rules and stats does not clear
@OntapSimulatorTest(perMethod = true)
class SimulatorJobsTest {
    private static final Pattern ONTAP_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}");

    private final OntapSimulator sim;
    private final SimClient client;

    SimulatorJobsTest(OntapSimulator sim) {
        this.sim = sim;
        this.client = new SimClient(sim);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void postAnswers202WithJobLink() throws Exception {
        Res r = client.post("/api/storage/volumes", "{\"name\":\"vol1\",\"svm\":{\"name\":\"svm1\"}}");
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.header("Content-Type")).isEqualTo("application/hal+json");
        String uuid = r.json().path("job").path("uuid").asText();
        assertThat(uuid).hasSize(36);
        assertThat(r.json().path("job").path("_links").path("self").path("href").asText()).isEqualTo("/api/cluster/jobs/" + uuid);
        assertThat(r.json().path("job").size()).isEqualTo(2);
        JsonNode job = client.get("/api/cluster/jobs/" + uuid).json();
        assertThat(job.path("description").asText()).isEqualTo("POST /api/storage/volumes");
        assertThat(job.path("svm").path("name").asText()).isEqualTo("svm1");
        assertThat(job.path("svm").path("uuid").asText()).hasSize(36);
        assertThat(job.path("node").path("name").asText()).isNotEmpty();
        assertThat(sim.stats().triggers()).isEqualTo(1);
        assertThat(sim.stats().jobGets()).isEqualTo(1);
        assertThat(sim.job(uuid)).isPresent();
    }

    @Test
    void lifecycleQueuedRunningSuccess() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes*").queued(Duration.ofMillis(400)).duration(Duration.ofMillis(400))
                .progress("step one", "step two").build());
        String uuid = client.start("/api/storage/volumes", "{\"name\":\"v\"}");
        JsonNode first = client.get("/api/cluster/jobs/" + uuid).json();
        assertThat(first.path("state").asText()).isEqualTo("queued");
        assertThat(first.has("end_time")).isFalse();
        assertThat(first.path("code").asLong()).isZero();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(uuid).equals("running"));
        JsonNode running = client.get("/api/cluster/jobs/" + uuid).json();
        assertThat(running.path("message").asText()).startsWith("step");
        assertThat(running.path("start_time").asText()).matches(ONTAP_TIME);
        assertThat(running.has("end_time")).isFalse();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(uuid).equals("success"));
        JsonNode done = client.get("/api/cluster/jobs/" + uuid).json();
        assertThat(done.path("message").asText()).isEqualTo("Complete: Successful");
        assertThat(done.path("code").asLong()).isZero();
        assertThat(done.has("error")).isFalse();
        assertThat(done.path("end_time").asText()).matches(ONTAP_TIME);
        assertThat(OffsetDateTime.parse(done.path("end_time").asText())).isAfterOrEqualTo(OffsetDateTime.parse(done.path("start_time").asText()));
    }

    @Test
    void failureHasCodeAndError() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes*").duration(Duration.ofMillis(100)).fails(917927, "Volume busy").build());
        String uuid = client.start("/api/storage/volumes", "{}");
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(uuid).equals("failure"));
        JsonNode job = client.get("/api/cluster/jobs/" + uuid).json();
        assertThat(job.path("code").asLong()).isEqualTo(917927);
        assertThat(job.path("message").asText()).isEqualTo("Volume busy");
        assertThat(job.path("error").path("code").asText()).isEqualTo("917927");
        assertThat(job.path("error").path("message").asText()).isEqualTo("Volume busy");
        assertThat(job.path("error").has("target")).isTrue();
        assertThat(job.path("error").path("arguments").isArray()).isTrue();
        assertThat(job.has("end_time")).isTrue();
    }

    @Test
    void fieldsSelection() throws Exception {
        String uuid = client.start("/api/storage/volumes", "{\"svm\":{\"name\":\"svmA\"}}");
        JsonNode job = client.get("/api/cluster/jobs/" + uuid + "?fields=state,svm.name").json();
        List<String> names = new ArrayList<>();
        job.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("uuid", "state", "svm", "_links");
        assertThat(job.path("svm").size()).isEqualTo(1);
        assertThat(job.path("svm").path("name").asText()).isEqualTo("svmA");
        assertThat(client.get("/api/cluster/jobs/" + uuid + "?fields=*").json().has("description")).isTrue();
        assertThat(client.get("/api/cluster/jobs/" + uuid + "?fields=**").json().has("node")).isTrue();
        Res bad = client.get("/api/cluster/jobs/" + uuid + "?fields=nonsense");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("262179");
        // list without fields: only uuid and _links
        JsonNode rec = client.get("/api/cluster/jobs").json().path("records").get(0);
        names.clear();
        rec.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("uuid", "_links");
    }

    @Test
    void collectionFilters() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ZERO).build());
        sim.addScenario(Scenario.on("POST", "/api/storage/luns").duration(Duration.ZERO).fails(524486, "Volume busy").build());
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/relationships").runsUntilCancelled().build());
        String ok = client.start("/api/storage/volumes", "{}");
        String failed = client.start("/api/storage/luns", "{}");
        String running = client.start("/api/snapmirror/relationships", "{}");
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(failed).equals("failure") && client.state(ok).equals("success"));

        assertThat(uuids("uuid=" + ok + "|" + failed)).containsExactlyInAnyOrder(ok, failed);
        assertThat(uuids("uuid=" + ok + "|" + failed + "&state=success")).containsExactly(ok);
        assertThat(uuids("state=!success")).containsExactlyInAnyOrder(failed, running);
        assertThat(uuids("state=" + enc("!success|!failure"))).containsExactlyInAnyOrder(ok, failed, running);
        assertThat(uuids("description=*volumes*")).containsExactly(ok);
        assertThat(uuids("description=" + enc("POST /api/storage/luns"))).containsExactly(failed);
        assertThat(uuids("code=" + enc(">0"))).containsExactly(failed);
        assertThat(uuids("error.code=524486")).containsExactly(failed);
        assertThat(uuids("svm.name=vs0")).containsExactlyInAnyOrder(ok, failed, running);
        assertThat(uuids("end_time=*")).containsExactlyInAnyOrder(ok, failed);

        String end = sim.job(ok).orElseThrow().path("end_time").asText();
        OffsetDateTime endTime = OffsetDateTime.parse(end);
        // second precision: strictly after (end - 1 s) matches, strictly after end does not, >= end does
        assertThat(uuids("uuid=" + ok + "&end_time=" + enc(">" + SimJob.TIME.format(endTime.minusSeconds(1))))).containsExactly(ok);
        assertThat(uuids("uuid=" + ok + "&end_time=" + enc(">" + end))).isEmpty();
        assertThat(uuids("uuid=" + ok + "&end_time=" + enc(">=" + end))).containsExactly(ok);
        assertThat(uuids("uuid=" + ok + "&end_time=" + enc("<" + SimJob.TIME.format(endTime.plusSeconds(1))))).containsExactly(ok);
        // a job without end_time does not match a comparison
        assertThat(uuids("uuid=" + running + "&end_time=" + enc(">2000-01-01T00:00:00+00:00"))).isEmpty();

        Res unknown = client.get("/api/cluster/jobs?colour=blue");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("error").path("target").asText()).isEqualTo("colour");
        assertThat(sim.stats().jobListGets()).isGreaterThan(5);
    }

    private List<String> uuids(String query) throws Exception {
        Res r = client.get("/api/cluster/jobs?" + query);
        assertThat(r.status()).as(query + " -> " + r.json()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().path("records").forEach(rec -> out.add(rec.path("uuid").asText()));
        assertThat(r.json().path("num_records").asInt()).isEqualTo(out.size());
        return out;
    }

    @Test
    void pagingReturnRecordsAndOrderBy() throws Exception {
        sim.addScenario(Scenario.on("POST", "*").runsUntilCancelled().build());
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            started.add(client.start("/api/storage/volumes/v" + i, "{}"));
        }
        client.start("/api/network/ip/interfaces", "{}");
        Set<String> seen = new HashSet<>();
        String next = "/api/cluster/jobs?description=" + enc("*volumes*") + "&max_records=2&fields=state";
        int pages = 0;
        while (next != null) {
            JsonNode page = client.get(next).json();
            pages++;
            assertThat(page.path("num_records").asInt()).isEqualTo(page.path("records").size());
            for (JsonNode r : page.path("records")) {
                assertThat(r.path("state").asText()).isEqualTo("running");
                assertThat(seen.add(r.path("uuid").asText())).isTrue();
            }
            JsonNode n = page.path("_links").path("next").path("href");
            if (n.isMissingNode()) {
                next = null;
            } else {
                assertThat(n.asText()).startsWith("/api/cluster/jobs?").contains("max_records=2").contains("fields=state").contains("description=");
                next = n.asText();
            }
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(started);

        JsonNode count = client.get("/api/cluster/jobs?return_records=false&description=" + enc("*volumes*")).json();
        assertThat(count.path("num_records").asInt()).isEqualTo(5);
        assertThat(count.has("records")).isFalse();

        JsonNode desc = client.get("/api/cluster/jobs?order_by=" + enc("description desc") + "&fields=description").json();
        List<String> descriptions = new ArrayList<>();
        desc.path("records").forEach(r -> descriptions.add(r.path("description").asText()));
        assertThat(descriptions).hasSize(6).isSortedAccordingTo((a, b) -> b.compareTo(a));
        JsonNode ordered = client.get("/api/cluster/jobs?order_by=description&max_records=4&fields=description").json();
        String more = ordered.path("_links").path("next").path("href").asText();
        JsonNode rest = client.get(more).json();
        assertThat(ordered.path("records").size() + rest.path("records").size()).isEqualTo(6);
        assertThat(rest.path("records").get(0).path("description").asText())
                .isGreaterThanOrEqualTo(ordered.path("records").get(3).path("description").asText());
        assertThat(client.get("/api/cluster/jobs?order_by=" + enc("description sideways")).status()).isEqualTo(400);
    }

    @Test
    void patchErrorCodes() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/a").duration(Duration.ZERO).build());
        sim.addScenario(Scenario.on("POST", "/api/b").runsUntilCancelled().cancelUnsupported().pauseUnsupported().build());
        sim.addScenario(Scenario.on("POST", "/api/c").queued(Duration.ofMinutes(5)).build());
        sim.addScenario(Scenario.on("POST", "/api/d").runsUntilCancelled().build());
        String done = client.start("/api/a", "{}");
        String unsupported = client.start("/api/b", "{}");
        String queued = client.start("/api/c", "{}");
        String running = client.start("/api/d", "{}");
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() -> client.state(done).equals("success"));

        assertPatchError(done, "cancel", 400, "458762", "Job is already in a terminal state.");
        assertPatchError(done, "pause", 400, "458762", null);
        assertPatchError(unsupported, "cancel", 400, "458784", "This job does not support cancel.");
        assertPatchError(unsupported, "pause", 400, "458783", "This job does not support pause.");
        assertPatchError(queued, "pause", 400, "458776", "The specified job is not currently running.");
        assertPatchError(running, "resume", 400, "458771", "The specified job is running.");
        assertPatchError(queued, "resume", 400, "458771", null);
        Res bad = client.patch("/api/cluster/jobs/" + running + "?action=explode", "{}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("262197");
        assertThat(bad.json().path("error").path("target").asText()).isEqualTo("action");
        Res missing = client.patch("/api/cluster/jobs/" + running, "{}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorCode()).isEqualTo("262197");
        Res nf = client.patch("/api/cluster/jobs/00000000-0000-0000-0000-000000000000?action=cancel", "{}");
        assertThat(nf.status()).isEqualTo(404);
        assertThat(nf.json().path("error").path("code").asText()).isEqualTo("4");
        assertThat(nf.json().path("error").path("message").asText()).isEqualTo("entry doesn't exist");
        assertThat(nf.json().path("error").path("target").asText()).isEqualTo("uuid");
        assertThat(client.get("/api/cluster/jobs/00000000-0000-0000-0000-000000000000").status()).isEqualTo(404);

        // pause on a paused job: not currently running
        assertThat(client.patch("/api/cluster/jobs/" + running + "?action=pause", "{}").status()).isEqualTo(200);
        assertPatchError(running, "pause", 400, "458776", null);
        // cancel ends the job at once
        Res cancel = client.patch("/api/cluster/jobs/" + running + "?action=cancel", "{}");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().isObject()).isTrue();
        JsonNode job = client.get("/api/cluster/jobs/" + running).json();
        assertThat(job.path("state").asText()).isEqualTo("failure");
        assertThat(job.path("message").asText()).isEqualTo(OntapErrors.JOB_CANCELLED_MESSAGE);
        assertThat(job.path("code").asLong()).isEqualTo(OntapErrors.JOB_CANCELLED);
        assertThat(job.has("end_time")).isTrue();
        assertPatchError(running, "cancel", 400, "458762", null);
        assertThat(sim.stats().jobPatches()).isEqualTo(14);
    }

    private void assertPatchError(String uuid, String action, int status, String code, String message) throws Exception {
        Res r = client.patch("/api/cluster/jobs/" + uuid + "?action=" + action, "{}");
        assertThat(r.status()).as(action + " " + r.json()).isEqualTo(status);
        assertThat(r.errorCode()).as(action + " " + r.json()).isEqualTo(code);
        assertThat(r.json().path("error").has("target")).isTrue();
        if (message != null) {
            assertThat(r.json().path("error").path("message").asText()).isEqualTo(message);
        }
    }

    @Test
    void pauseFreezesAndResumeContinues() throws Exception {
        sim.addScenario(Scenario.on("POST", "*").duration(Duration.ofMillis(600)).build());
        String uuid = client.start("/api/storage/volumes", "{}");
        assertThat(client.patch("/api/cluster/jobs/" + uuid + "?action=pause", "{}").status()).isEqualTo(200);
        assertThat(client.state(uuid)).isEqualTo("paused");
        long pausedAt = System.nanoTime();
        // well past its running time, it is still paused
        await().pollDelay(Duration.ofMillis(900)).atMost(Duration.ofSeconds(2)).until(() -> client.state(uuid).equals("paused"));
        assertThat(System.nanoTime() - pausedAt).isGreaterThan(Duration.ofMillis(800).toNanos());
        assertThat(client.patch("/api/cluster/jobs/" + uuid + "?action=resume", "{}").status()).isEqualTo(200);
        assertThat(client.state(uuid)).isEqualTo("running");
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(uuid).equals("success"));
    }

    @Test
    void peakActiveJobsCountsJobsUnfinishedAtOnce() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/long*").runsUntilCancelled().build());
        sim.addScenario(Scenario.on("POST", "/api/instant*").duration(Duration.ZERO).build());
        String a = client.start("/api/long/a", "{}");
        String b = client.start("/api/long/b", "{}");
        client.start("/api/instant/c", "{}"); // finished as it starts: never counted
        assertThat(sim.stats().peakActiveJobs()).isEqualTo(2);
        client.patch("/api/cluster/jobs/" + a + "?action=cancel", "{}");
        client.start("/api/long/d", "{}"); // replaces the cancelled one
        assertThat(sim.stats().peakActiveJobs()).isEqualTo(2);
        client.patch("/api/cluster/jobs/" + b + "?action=pause", "{}");
        client.start("/api/long/e", "{}"); // b is paused, not finished: b, d and e
        assertThat(sim.stats().peakActiveJobs()).isEqualTo(3);
        assertThat(sim.stats().snapshot()).containsEntry("peak_active_jobs", 3L);
        sim.stats().reset();
        assertThat(sim.stats().peakActiveJobs()).isZero();
    }

    @Test
    void returnTimeout() throws Exception {
        sim.addScenario(Scenario.on("*", "/api/fast*").duration(Duration.ofMillis(100)).build());
        sim.addScenario(Scenario.on("*", "/api/slow*").duration(Duration.ofSeconds(30)).build());
        Res created = client.post("/api/fast?return_timeout=5", "{}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().path("job").path("state").asText()).isEqualTo("success");
        assertThat(created.json().path("job").has("end_time")).isTrue();
        Res patched = client.patch("/api/fast/x?return_timeout=5", "{}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().path("job").path("state").asText()).isEqualTo("success");
        Res slow = client.post("/api/slow?return_timeout=1", "{}");
        assertThat(slow.status()).isEqualTo(202);
        assertThat(slow.json().path("job").path("uuid").asText()).hasSize(36);
        for (String v : List.of("121", "-1", "soon")) {
            Res bad = client.post("/api/fast?return_timeout=" + v, "{}");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.errorCode()).isEqualTo("262197");
            assertThat(bad.json().path("error").path("target").asText()).isEqualTo("return_timeout");
        }
    }

    @Test
    void closingASimulatorNeverStartedLeavesItWorking() throws Exception {
        OntapSimulator fresh = OntapSimulator.builder().port(0).build();
        fresh.close();
        try (OntapSimulator started = fresh.start()) {
            started.addScenario(Scenario.on("POST", "/api/fast").duration(Duration.ofMillis(100)).build());
            Res created = new SimClient(started).post("/api/fast?return_timeout=5", "{}");
            assertThat(created.status()).as("return_timeout still waits for the job").isEqualTo(201);
        }
    }

    @Test
    void multiJobAndSynchronousAnswers() throws Exception {
        sim.addScenario(Scenario.on("PATCH", "/api/storage/volumes").jobs(3).build());
        sim.addScenario(Scenario.on("POST", "/api/storage/qtrees").synchronous(201).build());
        Res multi = client.patch("/api/storage/volumes?name=vol*", "{\"state\":\"offline\"}");
        assertThat(multi.status()).isEqualTo(202);
        assertThat(multi.json().path("num_records").asInt()).isEqualTo(3);
        assertThat(multi.json().path("jobs")).hasSize(3);
        for (JsonNode j : multi.json().path("jobs")) {
            assertThat(sim.job(j.path("uuid").asText())).isPresent();
            assertThat(j.path("_links").path("self").path("href").asText()).startsWith("/api/cluster/jobs/");
        }
        Res sync = client.post("/api/storage/qtrees", "{\"name\":\"q1\"}");
        assertThat(sync.status()).isEqualTo(201);
        assertThat(sync.json().has("job")).isFalse();
        assertThat(client.get("/api/storage/qtrees?name=q1").json().path("num_records").asInt()).isEqualTo(1);
    }

    @Test
    void refusedTriggerAndBadJson() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").bodyContains("\"bad\"").triggerStatus(409).triggerError(1, "duplicate entry").build());
        Res refused = client.post("/api/storage/volumes", "{\"name\":\"bad\"}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo("1");
        assertThat(refused.json().path("error").path("message").asText()).isEqualTo("duplicate entry");
        assertThat(client.post("/api/storage/volumes", "{\"name\":\"good\"}").status()).isEqualTo(202);
        Res invalid = client.post("/api/storage/volumes", "{\"name\": ");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.errorCode()).isEqualTo("262179");
        assertThat(invalid.json().path("error").path("message").asText()).contains("Invalid JSON");
        assertThat(sim.jobCount()).isEqualTo(1);
    }

    @Test
    void collectionsFollowSuccessfulOperations() throws Exception {
        sim.addScenario(Scenario.on("*", "/api/storage/volumes*").duration(Duration.ofMillis(50)).build());
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").bodyContains("doomed").duration(Duration.ofMillis(50)).fails(524486, "Volume busy").build());
        String job = client.start("/api/storage/volumes", "{\"name\":\"vol1\",\"size\":1024}");
        String failing = client.start("/api/storage/volumes", "{\"name\":\"doomed\"}");
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> client.get("/api/storage/volumes").json().path("num_records").asInt() == 1);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> client.state(failing).equals("failure"));
        JsonNode list = client.get("/api/storage/volumes").json();
        assertThat(list.path("num_records").asInt()).isEqualTo(1);
        JsonNode rec = list.path("records").get(0);
        assertThat(rec.path("name").asText()).isEqualTo("vol1");
        assertThat(rec.has("size")).isFalse();
        String vol = rec.path("uuid").asText();
        assertThat(rec.path("_links").path("self").path("href").asText()).isEqualTo("/api/storage/volumes/" + vol);
        assertThat(client.get("/api/storage/volumes/" + vol).json().path("size").asLong()).isEqualTo(1024);
        assertThat(client.get("/api/storage/volumes?fields=size").json().path("records").get(0).path("size").asLong()).isEqualTo(1024);
        assertThat(client.get("/api/storage/volumes?name=other").json().path("num_records").asInt()).isZero();
        assertThat(client.get("/api/storage/volumes/" + java.util.UUID.randomUUID()).status()).isEqualTo(404);
        assertThat(client.get("/api/network/ip/interfaces").json().path("num_records").asInt()).isZero();
        // PATCH merges once its job succeeds, DELETE removes
        assertThat(client.patch("/api/storage/volumes/" + vol, "{\"size\":2048}").status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> client.get("/api/storage/volumes/" + vol).json().path("size").asLong() == 2048);
        assertThat(client.delete("/api/storage/volumes/" + vol).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> client.get("/api/storage/volumes/" + vol).status() == 404);
        assertThat(job).isNotEmpty();
    }

    @Test
    void seededCollection() throws Exception {
        OntapSimulator seeded = OntapSimulator.builder()
                .collection("/api/svm/svms", List.of(SimClient.JSON.createObjectNode().put("name", "vs1"), SimClient.JSON.createObjectNode().put("name", "vs2")))
                .build().start();
        try {
            SimClient c = new SimClient(seeded);
            JsonNode list = c.get("/api/svm/svms?name=vs*&order_by=" + enc("name desc")).json();
            assertThat(list.path("num_records").asInt()).isEqualTo(2);
            assertThat(list.path("records").get(0).path("name").asText()).isEqualTo("vs2");
            assertThat(c.get("/api/svm/svms?return_records=false").json().path("num_records").asInt()).isEqualTo(2);
        } finally {
            seeded.close();
        }
    }

    @Test
    void unauthorizedAndUnknownPathsAndLongUris() throws Exception {
        Res r = new SimClient(sim).noAuth().get("/api/cluster/jobs");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.errorCode()).isEqualTo("6691623");
        assertThat(r.json().path("error").path("message").asText()).isEqualTo("not authorized for that command");
        assertThat(new SimClient(sim).credentials("admin", "wrong").post("/api/storage/volumes", "{}").status()).isEqualTo(401);
        assertThat(sim.stats().unauthorized()).isEqualTo(2);
        assertThat(sim.jobCount()).isZero();

        StringBuilder uuids = new StringBuilder();
        while (uuids.length() < 9000) {
            uuids.append(java.util.UUID.randomUUID()).append('|');
        }
        Res tooLong = client.get("/api/cluster/jobs?uuid=" + uuids);
        assertThat(tooLong.status()).isEqualTo(414);
        assertThat(tooLong.json().path("error").path("code").asText()).isNotEmpty();
        // just under the limit is fine
        String ok = "/api/cluster/jobs?uuid=" + uuids.substring(0, 7000);
        assertThat(client.get(ok.substring(0, ok.lastIndexOf('|'))).status()).isEqualTo(200);

        Res notApi = client.get("/nothing/here");
        assertThat(notApi.status()).isEqualTo(404);
        assertThat(notApi.json().path("error").has("code")).isTrue();
        Res deleteJob = client.delete("/api/cluster/jobs/" + java.util.UUID.randomUUID());
        assertThat(deleteJob.status()).isEqualTo(405);
        assertThat(client.send("PUT", "/api/storage/volumes", "{}").status()).isEqualTo(405);
    }

    @Test
    void finishedJobsVanishAfterRetention() throws Exception {
        OntapSimulator shortLived = OntapSimulator.builder().retention(Duration.ofMillis(800)).build().start();
        try {
            shortLived.addScenario(Scenario.on("*", "*").duration(Duration.ofMillis(50)).build());
            SimClient c = new SimClient(shortLived);
            String a = c.start("/api/storage/volumes", "{}");
            String b = c.start("/api/storage/volumes", "{}");
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> c.state(a).equals("success"));
            assertThat(c.get("/api/cluster/jobs?uuid=" + a + "|" + b).json().path("num_records").asInt()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(50)).until(() -> c.get("/api/cluster/jobs/" + a).status() == 404);
            Res gone = c.get("/api/cluster/jobs/" + a);
            assertThat(gone.json().path("error").path("code").asText()).isEqualTo("4");
            assertThat(c.patch("/api/cluster/jobs/" + a + "?action=cancel", "{}").status()).isEqualTo(404);
            await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(50))
                    .until(() -> c.get("/api/cluster/jobs?return_records=false").json().path("num_records").asInt() == 0);
            assertThat(shortLived.job(b)).isEmpty();
            // the created volumes outlive their jobs
            assertThat(c.get("/api/storage/volumes").json().path("num_records").asInt()).isEqualTo(2);
        } finally {
            shortLived.close();
        }
    }

    @Test
    void jobPollsTellWhoReadWhichJobsWhenAndAreBounded() throws Exception {
        try (OntapSimulator logged = OntapSimulator.builder().jobPollLog(3).build().start()) {
            SimClient a = new SimClient(logged).userAgent("ontap-jobs/1.0 (r1)");
            SimClient b = new SimClient(logged).userAgent("ontap-jobs/1.0 (r2)");
            String one = a.start("/api/storage/volumes", "{}");
            String two = a.start("/api/storage/volumes", "{}");
            java.time.Instant before = java.time.Instant.now();
            a.get("/api/cluster/jobs/" + one);
            b.get("/api/cluster/jobs?uuid=" + one + "|" + two + "&fields=state");
            b.get("/api/cluster/jobs?end_time=%3E2020-01-01T00:00:00Z");
            a.get("/api/storage/volumes"); // not the jobs endpoint: not logged
            a.patch("/api/cluster/jobs/" + one + "?action=pause", "{}"); // not a read
            List<JobPoll> polls = logged.jobPolls();
            assertThat(polls).extracting(JobPoll::userAgent).containsExactly("ontap-jobs/1.0 (r1)", "ontap-jobs/1.0 (r2)", "ontap-jobs/1.0 (r2)");
            assertThat(polls).extracting(JobPoll::uuids).containsExactly(List.of(one), List.of(one, two), List.of());
            assertThat(polls).allSatisfy(p -> assertThat(p.at()).isAfterOrEqualTo(before.minusMillis(1)).isBeforeOrEqualTo(java.time.Instant.now()));

            b.get("/api/cluster/jobs/" + two); // the oldest goes
            assertThat(logged.jobPolls()).hasSize(3).extracting(JobPoll::uuids).containsExactly(List.of(one, two), List.of(), List.of(two));
        }
        try (OntapSimulator none = OntapSimulator.builder().jobPollLog(0).build().start()) {
            new SimClient(none).get("/api/cluster/jobs");
            assertThat(none.jobPolls()).isEmpty();
            assertThat(none.stats().jobListGets()).isEqualTo(1);
        }
    }
}

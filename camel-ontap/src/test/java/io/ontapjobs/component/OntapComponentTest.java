package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.Fault;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.time.Duration;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ontap: component end to end against the simulator over real HTTP: every way an operation can end. */
class OntapComponentTest extends CamelTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String POLICIES = """
            policies:
              default:
                poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0.1}
                timeout: 20s
                on-timeout: cancel
              abandon:
                poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0.1}
                timeout: 1s
                on-timeout: abandon
              fast-path:
                poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0.1}
                return-timeout: 5
              rules:
                poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0.1}
                timeout: 20s
                rules:
                  - when: {code: [524486]}
                    then: retry
                    max-attempts: 3
                    backoff: 100ms
                  - when: {code: [1]}
                    then: succeed
                  - when: {message: ".*Deleting snapshots.*"}
                    then: cancel
            """;
    static OntapSimulator sim;

    @BeforeAll
    static void startSimulator() {
        // finished jobs are deleted after 2 s here (ONTAP: 300 s), so that "deleted before seen" is quick to test
        sim = OntapSimulator.builder().port(0).retention(Duration.ofSeconds(2)).build().start();
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @BeforeEach
    void resetSimulator() {
        sim.clearScenarios();
        sim.clearFaults();
        sim.stats().reset();
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        OntapComponent ontap = new OntapComponent();
        ontap.addCluster(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        ontap.addCluster(ClusterConfig.of("wrong-password", sim.baseUrl(), "admin", "not-the-password"));
        ontap.setPolicies(Policies.parse(POLICIES, "test-policies.yaml"));
        context.addComponent("ontap", ontap);
        return context;
    }

    private Exchange createVolume(String uri) {
        return template.send(uri, e -> e.getIn().setBody("{\"name\":\"vol1\",\"svm\":{\"name\":\"svm1\"}}"));
    }

    private static JsonNode data(Exchange e) throws Exception {
        return JSON.readTree(e.getMessage().getBody(String.class)).get("data");
    }

    @Test
    void succeededJobGivesOutcomeBodyAndHeaders() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(300)).build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes");

        assertThat(e.getException()).isNull();
        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        String uuid = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        assertThat(sim.job(uuid)).get().extracting(j -> j.get("state").asText()).isEqualTo("success");
        JsonNode event = JSON.readTree(e.getMessage().getBody(String.class));
        assertThat(event.get("specversion").asText()).isEqualTo("1.0");
        assertThat(event.get("type").asText()).isEqualTo("ontap.operation.succeeded");
        assertThat(event.get("subject").asText()).isEqualTo(e.getMessage().getHeader(OntapConstants.OPERATION_ID));
        JsonNode data = event.get("data");
        assertThat(data.at("/operation/path").asText()).isEqualTo("/api/storage/volumes");
        assertThat(data.at("/job/state").asText()).isEqualTo("success");
        assertThat(data.at("/job/end_time").asText()).isNotBlank();
        assertThat(data.get("attempts").asInt()).isEqualTo(1);
        assertThat(data.get("polls").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(sim.stats().triggers()).isEqualTo(1);
    }

    @Test
    void failedJobCarriesItsCode() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100))
                .fails(917927, "Volume vol1 already exists in Vserver svm1").build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("failed");
        assertThat(e.getMessage().getHeader(OntapConstants.JOB_CODE)).isEqualTo("917927");
        assertThat(e.getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("917927");
        assertThat(data(e).at("/job/error/message").asText()).contains("already exists");
        assertThat(data(e).get("reason").asText()).contains("917927");
    }

    @Test
    void timeoutCancelsTheJob() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());

        Exchange e = template.send("ontap:default?method=POST&path=/api/snapmirror/relationships/r1/transfers&timeout=1s",
                x -> x.getIn().setBody("{}"));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("timed_out");
        JsonNode cancel = data(e).get("cancel");
        assertThat(cancel.get("accepted").asBoolean()).isTrue();
        String uuid = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        assertThat(sim.job(uuid)).get().extracting(j -> j.get("state").asText()).isEqualTo("failure");
        assertThat(sim.stats().jobPatches()).isEqualTo(1);
    }

    @Test
    void refusedCancelIsRecorded() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().cancelUnsupported().build());

        Exchange e = template.send("ontap:default?method=POST&path=/api/snapmirror/relationships/r1/transfers&timeout=1s",
                x -> x.getIn().setBody("{}"));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("timed_out");
        JsonNode cancel = data(e).get("cancel");
        assertThat(cancel.get("accepted").asBoolean()).isFalse();
        assertThat(cancel.get("code").asText()).isEqualTo("458784");
        assertThat(data(e).get("reason").asText()).contains("refused");
        String uuid = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        assertThat(sim.job(uuid)).get().extracting(j -> j.get("state").asText()).isEqualTo("running");
    }

    @Test
    void abandonPolicyLeavesTheJobRunning() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());

        Exchange e = template.send("ontap:default?method=POST&path=/api/snapmirror/relationships/r1/transfers&policy=abandon",
                x -> x.getIn().setBody("{}"));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("timed_out");
        assertThat(sim.stats().jobPatches()).isZero();
    }

    @Test
    void retryRuleSucceedsOnTheThirdAttempt() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).fails(524486, "Volume busy").times(2).build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes&policy=rules");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(e.getMessage().getHeader(OntapConstants.ATTEMPTS)).isEqualTo(3);
        assertThat(data(e).get("jobs")).hasSize(3);
        assertThat(data(e).at("/jobs/0/code").asLong()).isEqualTo(524486);
        assertThat(data(e).at("/job/state").asText()).as("the deciding job is the last attempt's").isEqualTo("success");
        assertThat(data(e).at("/job/uuid").asText()).isEqualTo(data(e).at("/jobs/2/uuid").asText());
        assertThat(sim.stats().triggers()).isEqualTo(3);
    }

    @Test
    void retryRuleGivesUpAfterMaxAttempts() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).fails(524486, "Volume busy").build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes&policy=rules");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("failed");
        assertThat(e.getMessage().getHeader(OntapConstants.ATTEMPTS)).isEqualTo(3);
        assertThat(e.getMessage().getHeader(OntapConstants.REASON, String.class)).contains("gave up after 3 attempts");
        assertThat(data(e).at("/job/uuid").asText()).isEqualTo(data(e).at("/jobs/2/uuid").asText());
        assertThat(sim.stats().triggers()).isEqualTo(3);
    }

    @Test
    void duplicateEntryIsAcceptedBySucceedRule() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).fails(1, "duplicate entry").build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes&policy=rules");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(e.getMessage().getHeader(OntapConstants.JOB_STATE)).isEqualTo("failure");
        assertThat(e.getMessage().getHeader(OntapConstants.REASON, String.class)).contains("accepted by rule 2");
    }

    @Test
    void cancelRuleActsOnARunningJobsMessage() throws Exception {
        sim.addScenario(Scenario.on("DELETE", "/api/storage/volumes/*").duration(Duration.ofSeconds(10))
                .progress("Preparing", "Deleting snapshots", "Deleting volume").build());

        Exchange e = template.send("ontap:default?method=DELETE&path=/api/storage/volumes/v1&policy=rules", x -> x.getIn().setBody(null));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("cancelled");
        assertThat(data(e).at("/cancel/accepted").asBoolean()).isTrue();
        assertThat(sim.stats().jobPatches()).isEqualTo(1);
    }

    @Test
    void jobDeletedBeforeItsEndWasSeenIsLostNotSucceeded() throws Exception {
        // The first poll is answered 503 with Retry-After 4 s; meanwhile the job ends and is deleted (retention 2 s).
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").status(503).retryAfter(Duration.ofSeconds(4)).times(1).build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("lost");
        assertThat(data(e).get("reason").asText()).contains("no longer exists");
    }

    @Test
    void wrongPasswordIsRejectedWith401() throws Exception {
        Exchange e = createVolume("ontap:wrong-password?method=POST&path=/api/storage/volumes");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("rejected");
        assertThat(e.getMessage().getHeader(OntapConstants.HTTP_STATUS)).isEqualTo(401);
        assertThat(e.getMessage().getHeader(OntapConstants.REASON, String.class)).contains("password");
        assertThat(sim.stats().triggers()).isZero();
    }

    @Test
    void refusedTriggerIsRejected() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").triggerStatus(400).triggerError(262197, "Invalid value for field size").build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("rejected");
        assertThat(e.getMessage().getHeader(OntapConstants.HTTP_STATUS)).isEqualTo(400);
        assertThat(e.getMessage().getHeader(OntapConstants.REASON, String.class)).contains("262197");
    }

    @Test
    void droppedAndFailedPollsDoNotEndTheJob() throws Exception {
        // the job outlives the four failed polls (and their growing backoff), so its end is seen
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(3)).build());
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").drop().times(2).build());
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").status(500).times(1).build());
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").truncate().times(1).build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(sim.stats().faultsInjected()).isEqualTo(4);
        assertThat(sim.stats().triggers()).isEqualTo(1);
    }

    @Test
    void aTriggerThatMayHaveArrivedIsSentAgainOnlyWhenTheRequestIsIdempotent() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());
        sim.addFault(Fault.on("POST", "/api/storage/volumes").drop().times(2).build());

        // the connection closes after the request was sent: the volume may exist, so by default nothing is resent
        Exchange plain = template.send("ontap:default", x -> x.getIn().setBody(
                "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"v1\"}}"));
        assertThat(plain.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("lost");
        assertThat(plain.getMessage().getHeader(OntapConstants.REASON, String.class)).contains("idempotent");

        Exchange marked = template.send("ontap:default", x -> x.getIn().setBody(
                "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"v2\"},\"idempotent\":true}"));
        assertThat(marked.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(sim.stats().faultsInjected()).isEqualTo(2);
    }

    @Test
    void severalJobsInOneAnswerAreAllAwaited() throws Exception {
        sim.addScenario(Scenario.on("PATCH", "/api/storage/volumes").jobs(3).duration(Duration.ofMillis(200)).build());

        Exchange e = template.send("ontap:default?method=PATCH&path=/api/storage/volumes&query.name=vol*",
                x -> x.getIn().setBody("{\"comment\":\"patched\"}"));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        JsonNode jobs = data(e).get("jobs");
        assertThat(jobs).hasSize(3);
        jobs.forEach(j -> assertThat(j.get("state").asText()).isEqualTo("success"));
    }

    @Test
    void synchronousAnswerSucceedsWithoutAJob() throws Exception {
        sim.addScenario(Scenario.on("PATCH", "/api/cluster").synchronous(200).build());

        Exchange e = template.send("ontap:default?method=PATCH&path=/api/cluster", x -> x.getIn().setBody("{\"location\":\"lab\"}"));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(data(e).get("job").isNull()).isTrue();
        assertThat(sim.stats().jobGets() + sim.stats().jobListGets()).isZero();
    }

    @Test
    void returnTimeoutGetsTheFinishedJobInTheAnswer() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes&returnTimeout=5");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(sim.stats().jobGets() + sim.stats().jobListGets()).isZero();
    }

    @Test
    void returnTimeoutWithAJobThatFailsInTimeEndsFailedWithTheJobsCode() throws Exception {
        // the simulator answers such a job as ONTAP's error object carrying the job link, not as 201
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100))
                .fails(917927, "Volume vol1 already exists in Vserver svm1").build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes&returnTimeout=5");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("failed");
        assertThat(e.getMessage().getHeader(OntapConstants.JOB_CODE)).isEqualTo("917927");
        assertThat(e.getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("917927");
        String uuid = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        assertThat(sim.job(uuid)).get().extracting(j -> j.get("state").asText()).isEqualTo("failure");
        assertThat(data(e).at("/job/state").asText()).isEqualTo("failure");
        assertThat(data(e).get("reason").asText()).contains("917927");
        assertThat(sim.stats().jobGets() + sim.stats().jobListGets()).isZero();
    }

    @Test
    void policyReturnTimeoutAppliesToItsTriggers() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());

        Exchange e = createVolume("ontap:default?method=POST&path=/api/storage/volumes&policy=fast-path");

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(e.getMessage().getHeader(OntapConstants.HTTP_STATUS)).isEqualTo(201);
        assertThat(sim.stats().jobGets() + sim.stats().jobListGets()).isZero();
    }

    @Test
    void requestDocumentInTheBodyRunsWhenNoPathIsGiven() throws Exception {
        sim.addScenario(Scenario.on("DELETE", "/api/storage/volumes/*").duration(Duration.ofMillis(100)).build());

        Exchange e = template.send("ontap:default", x -> x.getIn().setBody(
                "{\"id\":\"delete-vol9\",\"method\":\"DELETE\",\"path\":\"/api/storage/volumes/abc\"}"));

        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(e.getMessage().getHeader(OntapConstants.OPERATION_ID)).isEqualTo("delete-vol9");
    }

    @Test
    void fiveHundredWaitingOperationsHoldNoThreads() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(2)).build());
        createVolume("ontap:default?method=POST&path=/api/storage/volumes"); // warm up: pools exist
        var endpoint = context.getEndpoint("ontap:default?method=POST&path=/api/storage/volumes");
        var producer = org.apache.camel.support.AsyncProcessorConverterHelper.convert(endpoint.createProducer());
        long before = threadsOutsideTheSimulator();

        // the async producer called directly: the sender holds no thread either
        List<java.util.concurrent.CompletableFuture<Exchange>> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Exchange x = endpoint.createExchange();
            x.getIn().setBody("{}");
            sent.add(producer.processAsync(x));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> sim.stats().triggers() >= 501);
        long waiting = threadsOutsideTheSimulator();
        java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new)).get(60, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(waiting - before).as("threads added while 500 operations wait").isLessThanOrEqualTo(5);
        assertThat(sent).allSatisfy(f -> assertThat(f.join().getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded"));
    }

    /** The simulator runs in this JVM for the test; its server threads are the cluster's, not ours. */
    private static long threadsOutsideTheSimulator() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.getName().startsWith("ontap-sim")).count();
    }

    /** Starts a job on the simulator directly (not through ontap:), for job control by UUID. */
    private static String startJob(String path) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(sim.baseUrl() + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("admin:netapp1!".getBytes()))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build();
        var body = java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).at("/job/uuid").asText();
    }

    private Exchange control(String action, String uuid) {
        return template.send("ontap:default?operation=" + action, x -> x.getIn().setHeader(OntapConstants.JOB_UUID, uuid));
    }

    @Test
    void jobControlReportsEachOfOntapsRefusals() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/quick/*").duration(Duration.ofMillis(50)).build());
        sim.addScenario(Scenario.on("POST", "/api/queued/*").queued(Duration.ofSeconds(30)).build());
        sim.addScenario(Scenario.on("POST", "/api/stubborn/*").runsUntilCancelled().cancelUnsupported().pauseUnsupported().build());
        sim.addScenario(Scenario.on("POST", "/api/pausable/*").runsUntilCancelled().build());
        String finished = startJob("/api/quick/x");
        org.awaitility.Awaitility.await().until(() -> sim.job(finished).get().get("state").asText().equals("success"));
        String queued = startJob("/api/queued/x");
        String stubborn = startJob("/api/stubborn/x");
        String pausable = startJob("/api/pausable/x");

        assertThat(control("cancel", finished).getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("458762");
        assertThat(control("pause", queued).getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("458776");
        assertThat(control("pause", stubborn).getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("458783");
        assertThat(control("cancel", stubborn).getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("458784");
        assertThat(control("resume", pausable).getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("458771");
        Exchange unknown = control("cancel", "00000000-0000-0000-0000-000000000000");
        assertThat(unknown.getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("4");
        assertThat(unknown.getMessage().getHeader(OntapConstants.HTTP_STATUS)).isEqualTo(404);

        Exchange pause = control("pause", pausable);
        assertThat(pause.getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).isEqualTo(true);
        assertThat(sim.job(pausable).get().get("state").asText()).isEqualTo("paused");
        assertThat(control("pause", pausable).getMessage().getHeader(OntapConstants.ERROR_CODE)).isEqualTo("458776");
        assertThat(control("resume", pausable).getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).isEqualTo(true);
        assertThat(sim.job(pausable).get().get("state").asText()).isEqualTo("running");
        assertThat(control("cancel", pausable).getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).isEqualTo(true);
    }

    @Test
    void pausedJobIsStillTrackedAndEndsAfterResume() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(1)).build());
        var producer = org.apache.camel.support.AsyncProcessorConverterHelper.convert(
                context.getEndpoint("ontap:default?method=POST&path=/api/storage/volumes").createProducer());
        Exchange run = context.getEndpoint("ontap:default").createExchange();
        run.getIn().setHeader(OntapConstants.OPERATION_ID, "pause-me");
        run.getIn().setBody("{}");
        var outcome = producer.processAsync(run);
        org.awaitility.Awaitility.await().until(() -> sim.stats().triggers() == 1);

        Exchange pause = template.send("ontap:default?operation=pause", x -> x.getIn().setHeader(OntapConstants.OPERATION_ID, "pause-me"));
        assertThat(pause.getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).as(pause.getMessage().getBody(String.class)).isEqualTo(true);
        var runner = context.getComponent("ontap", OntapComponent.class).runner();
        // the tracker reads the job as paused and keeps watching it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> "paused".equals(runner.snapshot("pause-me").get().jobs().get(0).state()));
        assertThat(outcome).isNotDone();
        template.send("ontap:default?operation=resume", x -> x.getIn().setHeader(OntapConstants.OPERATION_ID, "pause-me"));

        assertThat(outcome.get(10, java.util.concurrent.TimeUnit.SECONDS).getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
    }

    @Test
    void readGetsEveryPageOfACollectionForSplit() throws Exception {
        // volumes created through the simulator become its collection
        sim.addScenario(Scenario.on("POST", "/api/storage/qtrees").duration(Duration.ofMillis(1)).build());
        List<java.util.concurrent.CompletableFuture<Exchange>> creates = new java.util.ArrayList<>();
        var create = org.apache.camel.support.AsyncProcessorConverterHelper.convert(
                context.getEndpoint("ontap:default?method=POST&path=/api/storage/qtrees").createProducer());
        for (int i = 0; i < 250; i++) {
            Exchange x = context.getEndpoint("ontap:default").createExchange();
            x.getIn().setBody("{\"name\":\"v" + i + "\"}");
            creates.add(create.processAsync(x));
        }
        java.util.concurrent.CompletableFuture.allOf(creates.toArray(java.util.concurrent.CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
        sim.stats().reset();

        Exchange e = template.send("ontap:default?operation=read&path=/api/storage/qtrees&query.fields=name&query.max_records=100", x -> { });

        List<?> records = e.getMessage().getBody(List.class);
        assertThat(records).hasSize(250);
        assertThat(((java.util.Map<?, ?>) records.get(0)).get("name")).asString().startsWith("v");
        assertThat(sim.stats().total()).as("three pages").isEqualTo(3);
    }

    @Test
    void triggerOnlyTriggers() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());

        Exchange e = template.send("ontap:default?operation=trigger&method=POST&path=/api/snapmirror/relationships/r1/transfers",
                x -> x.getIn().setBody("{}"));

        String uuid = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        assertThat(uuid).isNotBlank();
        assertThat(e.getMessage().getHeader(OntapConstants.JOB_UUIDS, List.class)).containsExactly(uuid);
        assertThat(sim.job(uuid)).get().extracting(j -> j.get("state").asText()).isEqualTo("running");
        assertThat(sim.stats().jobGets() + sim.stats().jobListGets()).isZero();
        control("cancel", uuid);
    }

    @Test
    void componentMetadataDocumentsEveryOptionForTooling() throws Exception {
        // the schema tooling reads (Camel catalogs, IDE plugins), generated from the endpoint's annotations
        JsonNode schema = JSON.readTree(getClass().getResourceAsStream("/META-INF/io/ontapjobs/component/ontap.json"));
        assertThat(schema.at("/component/syntax").asText()).isEqualTo("ontap:cluster");
        for (String option : List.of("cluster", "operation", "method", "path", "query", "policy", "timeout", "returnTimeout")) {
            assertThat(schema.at("/properties/" + option + "/description").asText()).as(option).isNotBlank();
        }
        assertThat(schema.at("/headers/CamelOntapStatus/description").asText()).contains("succeeded");
        // an unknown option is refused, naming it
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> context.getEndpoint("ontap:default?methd=POST")).getMessage()).contains("methd");
    }

    @Test
    void badRequestsFailBeforeAnythingIsSent() {
        Exchange badJson = template.send("ontap:default?method=POST&path=/api/storage/volumes", x -> x.getIn().setBody("{name:"));
        Exchange badMethod = template.send("ontap:default?method=PUT&path=/api/storage/volumes", x -> x.getIn().setBody("{}"));
        // an endpoint with a path runs on its own cluster: an unknown one is found when it starts, not by a message
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> template.send("ontap:nowhere?method=POST&path=/api/storage/volumes",
                x -> x.getIn().setBody("{}"))).hasStackTraceContaining("ontap:nowhere: unknown cluster 'nowhere'");
        Exchange unknownCluster = template.send("ontap:default", x -> x.getIn().setBody("{\"cluster\":\"nowhere\",\"method\":\"POST\","
                + "\"path\":\"/api/storage/volumes\"}"));
        Exchange badField = template.send("ontap:default", x -> x.getIn().setBody("{\"method\":\"POST\",\"path\":\"/api/x\",\"bdy\":{}}"));

        assertThat(badJson.getException()).isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("body:");
        assertThat(badMethod.getException()).isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("method:");
        assertThat(unknownCluster.getException()).isInstanceOf(InvalidRequestException.class).hasMessageContaining("unknown cluster 'nowhere'");
        assertThat(badField.getException()).isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("bdy:");
        assertThat(sim.stats().triggers()).isZero();
    }

    /** A stream that never ends: read whole, it would exhaust the heap; counted, so the test sees how far it was read. */
    static final class EndlessStream extends java.io.InputStream {
        long read;

        @Override
        public int read() {
            read++;
            return ' ';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) ' ');
            read += len;
            return len;
        }
    }

    @Test
    void aBodyOverOneMibIsRefusedWithoutBeingReadWhole() {
        int over = io.ontapjobs.operation.OperationRequest.MAX_BODY_BYTES + 1;
        byte[] bytes = new byte[over];
        java.util.Arrays.fill(bytes, (byte) ' ');
        for (String uri : List.of("ontap:default", "ontap:default?method=POST&path=/api/storage/volumes")) {
            EndlessStream endless = new EndlessStream();
            for (Object body : List.of(bytes, " ".repeat(over), endless)) {
                Exchange e = template.send(uri, x -> x.getIn().setBody(body));
                assertThat(e.getException()).as(uri + " " + body.getClass().getSimpleName()).isInstanceOf(InvalidRequestException.class)
                        .hasMessage("request larger than 1 MiB");
            }
            assertThat(endless.read).as("bytes read of an endless stream").isLessThanOrEqualTo(over);
        }
        assertThat(sim.stats().triggers()).isZero();
    }
}

package io.ontapjobs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import io.ontapjobs.api.OperationsApi;
import io.ontapjobs.component.OntapComponent;
import jakarta.jms.Connection;
import jakarta.jms.Session;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as a hostile client meets it: the shipped allow list, three API clients with different roles, the
 * webhook secret and cluster password in the configuration. One test per attack of the security review; each
 * checks what the attacker gets back and what the cluster (the in-process simulator) received.
 */
@org.junit.jupiter.api.Timeout(90)
class HostileClientTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String SUBMITTER = "Tok-submitter-1";
    static final String READER = "Tok-reader-2";
    static final String OPERATOR = "Tok-operator-3";
    /** A second client with the submit role only. */
    static final String RIVAL = "Tok-rival-4";
    static final String WEBHOOK_SECRET = "whsec_SG9zdGlsZVRlc3RXZWJob29rU2VjcmV0";
    @TempDir
    static Path tmp;
    static RunningService service;
    static String api;
    static String simulator;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.in(tmp).scenarios("""
                        scenarios:
                          - {method: POST, path: /api/storage/volumes, duration: 200ms}
                          - {method: POST, path: /api/snapmirror/*, runs-until-cancelled: true}
                        """)
                .property("ontap.clusters.default.allow", shippedAllowList())
                .property("ontap.api.tokens.submitter.sha256", ApiTokens.sha256Hex(SUBMITTER))
                .property("ontap.api.tokens.submitter.roles", "submit")
                .property("ontap.api.tokens.reader.sha256", ApiTokens.sha256Hex(READER))
                .property("ontap.api.tokens.reader.roles", "read")
                .property("ontap.api.tokens.operator.sha256", ApiTokens.sha256Hex(OPERATOR))
                .property("ontap.api.tokens.operator.roles", "control,read")
                .property("ontap.api.tokens.rival.sha256", ApiTokens.sha256Hex(RIVAL))
                .property("ontap.api.tokens.rival.roles", "submit")
                .property("ontap.outcomes.webhook.url", "http://127.0.0.1:9/hook")
                .property("ontap.outcomes.webhook.secret", WEBHOOK_SECRET)
                .start();
        api = service.base + OperationsApi.BASE;
        simulator = service.context().getComponent("ontap", OntapComponent.class).cluster("default").config().url().toString();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** The allow list config/application.properties ships: what the demo and the example workflows need. */
    static String shippedAllowList() throws Exception {
        Properties p = new Properties();
        try (var in = new FileInputStream("config/application.properties")) {
            p.load(in);
        }
        return p.getProperty("ontap.clusters.default.allow");
    }

    static HttpResponse<String> send(String method, String url, String token, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static long triggers() throws Exception {
        return triggers(simulator);
    }

    /** The triggers the simulator at {@code simulator} received, allowed or not: what reached the cluster. */
    static long triggers(String simulator) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(simulator + "/_simulator/stats")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("triggers").asLong();
    }

    static String secrets() {
        return "netapp1!|" + WEBHOOK_SECRET + "|" + SUBMITTER + "|" + READER + "|" + OPERATOR + "|" + RIVAL;
    }

    static void assertNoSecret(HttpResponse<String> r) {
        for (String secret : secrets().split("\\|")) {
            assertThat(r.body()).doesNotContain(secret);
            r.headers().map().values().forEach(v -> assertThat(String.join(",", v)).doesNotContain(secret));
        }
    }

    @Test
    void noPathSegmentHeaderOrBodyReadsTheConfiguration() throws Exception {
        long before = triggers();
        List<String> payloads = List.of("%7B%7Bontap.clusters.default.password%7D%7D", "%7B%7Bontap.outcomes.webhook.secret%7D%7D",
                "%7B%7Benv:HOME%7D%7D", "%7B%7Bsys:user.home%7D%7D", "$%7Bsys.user.home%7D", "cancel%26path=/api/cluster",
                "cancel%3Fcluster=x");
        for (String payload : payloads) {
            HttpResponse<String> r = send("POST", api + "/x/" + payload, OPERATOR, "");
            assertThat(r.statusCode()).as(payload).isIn(400, 404);
            assertNoSecret(r);
            assertThat(r.body()).doesNotContain(System.getProperty("user.home"));
        }
        // in the operation id and the body: data, stored and shown as sent, never resolved
        HttpResponse<String> created = send("POST", api, SUBMITTER, "{\"id\":\"inj-1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"{{ontap.clusters.default.password}}\",\"comment\":\"${sys:user.home} {{env:HOME}}\"}}",
                "CamelOntapOperationId", "{{ontap.outcomes.webhook.secret}}", "X-Ontap-Client", "admin",
                "CamelOntapOperation", "trigger", "CamelOntapPath", "/api/cluster");
        assertThat(created.statusCode()).isEqualTo(202);
        assertNoSecret(created);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("outcomes/inj-1.json")));
        String outcome = Files.readString(tmp.resolve("outcomes/inj-1.json"));
        assertThat(outcome).doesNotContain("netapp1!").doesNotContain(WEBHOOK_SECRET);
        assertThat(JSON.readTree(outcome).at("/data/requested_by").asText()).as("not the forged header").isEqualTo("submitter");
        assertThat(JSON.readTree(outcome).path("source").asText()).as("no one mistakes it for real work").isEqualTo("ontap-jobs/simulator/default");
        assertThat(JSON.readTree(send("GET", api, READER, null).body()).path("simulated_clusters").toString()).isEqualTo("[\"default\"]");
        assertThat(triggers()).isEqualTo(before + 1);
    }

    @Test
    void placeholdersFromTheInboxTheQueueAndOntapHeadersStayData() throws Exception {
        String secretRef = "{{ontap.clusters.default.password}}";
        // the inbox: in the file's name and its body
        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/" + secretRef + ".json"),
                "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"" + secretRef + "-inbox\"}}");
        // the queue: in a header and the body
        try (Connection c = service.brokerClient().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            var m = s.createTextMessage("{\"id\":\"q-placeholder\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                    + "\"body\":{\"name\":\"${sys:user.home}-queue\"}}");
            m.setStringProperty("CamelOntapOperationId", secretRef);
            m.setStringProperty("CamelOntapJobUuid", "../../security/accounts");
            // would steer the component (trigger only: no outcome; another path: refused) were they not removed
            m.setStringProperty("CamelOntapOperation", "trigger");
            m.setStringProperty("CamelOntapPath", "/api/cluster");
            s.createProducer(s.createQueue("ontap.requests")).send(m);
        }
        // ontap: headers in a route of the operator's
        var template = service.context().createProducerTemplate();
        var badId = template.send("ontap:default?method=POST&path=/api/storage/volumes",
                e -> e.getIn().setHeader("CamelOntapOperationId", secretRef + "&path=/api/cluster"));
        var badJob = template.send("ontap:default?operation=cancel", e -> e.getIn().setHeader("CamelOntapJobUuid", "../../security/accounts"));
        assertThat(badId.getException()).isInstanceOf(io.ontapjobs.operation.InvalidRequestException.class);
        assertThat(badId.getException().getMessage()).startsWith("id: not allowed").doesNotContain("netapp1!");
        assertThat(badJob.getException()).hasMessageStartingWith("CamelOntapJobUuid: not a job UUID");

        // the queue's and the inbox's ids carry their source's prefix
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/queue.q-placeholder.json"))
                && Files.exists(tmp.resolve("outcomes/inbox.--ontap.clusters.default.password--.json")));
        HttpResponse<String> volumes = HTTP.send(HttpRequest.newBuilder(URI.create(simulator + "/api/storage/volumes?fields=name"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(volumes.body()).as("sent as written, never resolved").contains(secretRef + "-inbox").contains("${sys:user.home}-queue");
        try (var files = Files.walk(tmp)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(f.toString()).doesNotContain("netapp1!");
                if (!f.toString().contains("/data/")) { // the broker journal and database are binary
                    assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain("netapp1!");
                }
            }
        }
    }

    @Test
    void theHostHeaderOfADnsRebindingPageIsRefusedWithoutTokens() throws Exception {
        try (RunningService open = RunningService.in(tmp.resolve("open")).start()) {
            String rebinding = rawGet(open.port, OperationsApi.BASE, "evil.example:" + open.port);
            String local = rawGet(open.port, OperationsApi.BASE, "127.0.0.1:" + open.port);
            assertThat(rebinding).startsWith("HTTP/1.1 403").contains("\"field\":\"Host\"");
            assertThat(local).startsWith("HTTP/1.1 200");
        }
    }

    /** A GET with the Host header a DNS-rebinding page's browser would send (java.net.http will not set Host). */
    static String rawGet(int port, String path, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void nobodyRunsAnythingWithoutALoginTheRightRoleAndTheOperatorsAllowList() throws Exception {
        long before = triggers();
        String account = "{\"method\":\"POST\",\"path\":\"/api/security/accounts\",\"body\":{\"name\":\"evil\",\"role\":\"admin\"}}";
        HttpResponse<String> anonymous = send("POST", api, null, account);
        HttpResponse<String> wrongToken = send("POST", api, "guess", account);
        HttpResponse<String> reader = send("POST", api, READER, "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
        HttpResponse<String> list = send("GET", api, null, null);
        HttpResponse<String> metrics = send("GET", service.base + "/observe/metrics", null, null);
        HttpResponse<String> page = send("GET", service.base + "/", null, null);
        HttpResponse<String> health = send("GET", service.base + "/observe/health/live", null, null);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(JSON.readTree(anonymous.body()).at("/error/message").asText()).contains("token");
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(reader.statusCode()).isEqualTo(403);
        assertThat(list.statusCode()).isEqualTo(401);
        assertThat(metrics.statusCode()).isEqualTo(401);
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(health.statusCode()).as("probes need no login").isEqualTo(200);

        for (String forbidden : List.of(account, "{\"method\":\"PATCH\",\"path\":\"/api/cluster\",\"body\":{\"name\":\"x\"}}",
                "{\"method\":\"DELETE\",\"path\":\"/api/storage/volumes/x\"}")) {
            HttpResponse<String> r = send("POST", api, SUBMITTER, forbidden);
            assertThat(r.statusCode()).as(forbidden).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).at("/error/field").asText()).isEqualTo("path");
        }
        HttpResponse<String> allowed = send("POST", api, SUBMITTER, "{\"id\":\"allowed-1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
        assertThat(allowed.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(allowed.body()).path("requested_by").asText()).isEqualTo("submitter");
        assertThat(send("GET", api + "/allowed-1", READER, null).statusCode()).isEqualTo(200);
        // the trigger follows the 202: wait until the operation has its job, then count
        await().atMost(Duration.ofSeconds(10)).until(() -> !JSON.readTree(send("GET", api + "/allowed-1", READER, null).body())
                .path("status").asText().matches("accepted|triggering"));
        assertThat(triggers()).as("only the allowed request reached the cluster").isEqualTo(before + 1);
        // nor from the inbox or the queue
        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/evil.json"), account);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("inbox/.rejected/evil.json.reason.txt")));
        assertThat(Files.readString(tmp.resolve("inbox/.rejected/evil.json.reason.txt"))).startsWith("path: POST /api/security/accounts is not allowed");
        try (Connection c = service.brokerClient().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(account.replace("{", "{\"id\":\"evil-q\",")));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", api + "/queue.evil-q", READER, null).statusCode() == 404
                && service.context().createConsumerTemplate().receive("jms:queue:ontap.requests.rejected", 100) != null);
        assertThat(triggers()).isEqualTo(before + 1);
    }

    /** A submit token's request with the shipped list: a {@code *} path segment or a query the entry does not name is refused. */
    @Test
    void theShippedListSendsNeitherABulkKeyNorAQueryItDoesNotName() throws Exception {
        long before = triggers();
        List<String[]> attacks = List.of(
                // the reported attack: ONTAP's bulk key and a wildcard filter, one snapshot of every volume
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes/*/snapshots\",\"query\":{\"volume.name\":\"*\"},"
                        + "\"body\":{\"name\":\"s\"}}", "400", "path"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes/v*/snapshots\",\"body\":{\"name\":\"s\"}}", "400", "path"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes/v1/snapshots\",\"query\":{\"volume.name\":\"*\"}}", "403", "query"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r1/transfers\",\"query\":{\"uuid\":\"x\"}}", "403", "query"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"query\":{\"return_records\":\"tr*\"}}", "400", "query"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"query\":{\"return_timeout\":\"*\"}}", "400", "query"});
        for (String[] a : attacks) {
            HttpResponse<String> r = send("POST", api, SUBMITTER, a[0]);
            assertThat(r.statusCode()).as(a[0]).isEqualTo(Integer.parseInt(a[1]));
            assertThat(JSON.readTree(r.body()).at("/error/field").asText()).as(a[0]).isEqualTo(a[2]);
        }
        // the inbox and the queue: the same list
        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/bulk.json"), attacks.get(0)[0]);
        try (Connection c = service.brokerClient().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(attacks.get(2)[0].replaceFirst("\\{", "{\"id\":\"bulk-q\",")));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("inbox/.rejected/bulk.json.reason.txt")));
        assertThat(Files.readString(tmp.resolve("inbox/.rejected/bulk.json.reason.txt")))
                .startsWith("path: POST /api/storage/volumes/*/snapshots: a path segment holding '*'");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var m = service.context().createConsumerTemplate().receive("jms:queue:ontap.requests.rejected", 100);
            return m != null && m.getMessage().getBody(String.class).contains("bulk-q")
                    && m.getMessage().getHeader("OntapRejectReason", String.class).startsWith("query: parameter volume.name is not allowed");
        });
        assertThat(triggers()).as("nothing reached the cluster").isEqualTo(before);
        // a named parameter still runs, and the query is shown with the operation
        HttpResponse<String> named = send("POST", api, SUBMITTER, "{\"id\":\"named-q\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"query\":{\"return_records\":\"false\"},\"body\":{\"name\":\"volq\"}}");
        assertThat(named.statusCode()).as(named.body()).isEqualTo(202);
        assertThat(JSON.readTree(named.body()).at("/operation/query").toString()).isEqualTo("{\"return_records\":\"false\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("outcomes/named-q.json")));
        assertThat(triggers()).isEqualTo(before + 1);
    }

    /**
     * Entries an operator adds for changes and deletions: none of them reaches every object, whether by ONTAP's bulk
     * key {@code *} in the path, {@code **} matching no segment, a wildcard in the query, a parameter the entry does not
     * name or a collection PATCH without a filter; what is allowed runs and shows its query in the outcome, the API and
     * the log.
     */
    @Test
    void operatorEntriesForChangesNeverReachEveryObject() throws Exception {
        var logs = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        Path dir = tmp.resolve("operator-entries");
        Files.createDirectories(dir);
        try (RunningService ops = RunningService.in(dir).scenarios("""
                        scenarios:
                          - {method: "*", path: /api/storage/volumes*, duration: 100ms}
                        """)
                .property("ontap.clusters.default.allow", shippedAllowList() + ", PATCH /api/storage/volumes/*,"
                        + " DELETE /api/storage/volumes/*/snapshots/*, PATCH /api/storage/volumes ?name&svm.name")
                .start()) {
            String sim = ops.context().getComponent("ontap", OntapComponent.class).cluster("default").config().url().toString();
            List<String[]> attacks = List.of(
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes/*\",\"query\":{\"name\":\"*\"},"
                            + "\"body\":{\"state\":\"offline\"}}", "400", "path"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes/**\",\"body\":{\"state\":\"offline\"}}", "400", "path"},
                    new String[] {"{\"method\":\"DELETE\",\"path\":\"/api/storage/volumes/*/snapshots/*\","
                            + "\"query\":{\"volume.name\":\"*\",\"name\":\"*\"}}", "400", "path"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes/v1\",\"query\":{\"name\":\"*\"}}", "403", "query"},
                    new String[] {"{\"method\":\"DELETE\",\"path\":\"/api/storage/volumes/v1/snapshots\",\"query\":{\"name\":\"*\"}}", "403", "path"},
                    new String[] {"{\"method\":\"DELETE\",\"path\":\"/api/storage/volumes\",\"query\":{\"name\":\"vol1\"}}", "403", "path"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"name\":\"*\"}}", "400", "query"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"name\":\"!vol1\"}}", "400", "query"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"svm.name\":\"svm1|svm2\"}}", "400", "query"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"query\":{\"is_svm_root\":\"false\"}}", "403", "query"},
                    new String[] {"{\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\",\"body\":{\"state\":\"offline\"}}", "403", "query"});
            for (String[] a : attacks) {
                HttpResponse<String> r = ops.submit(a[0]);
                assertThat(r.statusCode()).as(a[0] + " " + r.body()).isEqualTo(Integer.parseInt(a[1]));
                assertThat(JSON.readTree(r.body()).at("/error/field").asText()).as(a[0]).isEqualTo(a[2]);
            }
            assertThat(triggers(sim)).as("nothing reached the cluster").isZero();

            HttpResponse<String> named = ops.submit("{\"id\":\"patch-vol1\",\"method\":\"PATCH\",\"path\":\"/api/storage/volumes\","
                    + "\"query\":{\"svm.name\":\"svm1\",\"name\":\"vol1\",\"return_timeout\":\"0\"},\"body\":{\"comment\":\"x\"}}");
            HttpResponse<String> keyed = ops.submit("{\"id\":\"patch-v1\",\"method\":\"PATCH\",\"path\":\"/api/storage/volumes/v1\","
                    + "\"body\":{\"comment\":\"x\"}}");
            assertThat(named.statusCode()).as(named.body()).isEqualTo(202);
            assertThat(keyed.statusCode()).as(keyed.body()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("outcomes/patch-vol1.json"))
                    && Files.exists(dir.resolve("outcomes/patch-v1.json")));
            String query = "{\"name\":\"vol1\",\"svm.name\":\"svm1\"}";
            JsonNode outcome = JSON.readTree(Files.readString(dir.resolve("outcomes/patch-vol1.json")));
            assertThat(outcome.at("/data/status").asText()).isEqualTo("succeeded");
            assertThat(outcome.at("/data/operation/query").toString()).as("the outcome records the filter").isEqualTo(query);
            assertThat(ops.operation("patch-vol1").at("/operation/query").toString()).as("the API shows it").isEqualTo(query);
            JsonNode list = JSON.readTree(ops.get(OperationsApi.BASE).body()).path("records");
            assertThat(list).anySatisfy(v -> assertThat(v.at("/operation/query").toString()).isEqualTo(query));
            assertThat(ops.operation("patch-v1").at("/operation").has("query")).as("none sent, none shown").isFalse();
            assertThat(triggers(sim)).as("only the two allowed requests").isEqualTo(2);
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .startsWith("Accepted PATCH /api/storage/volumes?name=vol1&svm.name=svm1 on cluster default"));
    }

    @Test
    void aClusterWithoutAnAllowListRunsNothingFromOutsideAndSaysSoAtStart() throws Exception {
        var logs = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        try (RunningService closed = RunningService.in(tmp.resolve("no-allow")).property("ontap.clusters.default.allow", "").start()) {
            HttpResponse<String> r = closed.submit("{\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("ontap.clusters.default.allow");
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getLevel().toString() + " " + e.getFormattedMessage())
                .startsWith("WARN Cluster default:").contains("no ontap.clusters.default.allow"));
    }

    @Test
    void pathsAreSentOnlyWhenPlain() throws Exception {
        long before = triggers();
        for (String path : List.of("/api/../../x", "/api//cluster/jobs/abc", "/api/./storage/volumes", "/api/%63luster/jobs/abc",
                "/api/storage/volumes\\nINFO forged", "/api/storage/volumes?x=1", "/api/storage/volumes#x", "/api/storage /volumes")) {
            HttpResponse<String> r = send("POST", api, SUBMITTER, "{\"method\":\"POST\",\"path\":\"" + path + "\"}");
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/field").asText()).isEqualTo("path");
        }
        // and the API's own paths: a raw path the router would normalise is refused before any check
        assertThat(send("POST", service.base + "/api/v1/operations/x/../../operations", SUBMITTER, "{}").statusCode()).isEqualTo(400);
        assertThat(triggers()).isEqualTo(before);
    }

    @Test
    void crossSiteRequestsAreRefused() throws Exception {
        send("POST", api, SUBMITTER, "{\"id\":\"xsite-1\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r1/transfers\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(send("GET", api + "/xsite-1", READER, null).body())
                .at("/jobs/0/state").asText().equals("running"));

        HttpResponse<String> form = send("POST", api + "/xsite-1/cancel", OPERATOR, "", "Origin", "http://evil.example");
        HttpResponse<String> nullOrigin = send("POST", api + "/xsite-1/cancel", OPERATOR, "", "Origin", "null");

        assertThat(form.statusCode()).isEqualTo(403);
        assertThat(nullOrigin.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(send("GET", api + "/xsite-1", READER, null).body()).path("status").asText()).isEqualTo("running");
        HttpResponse<String> own = send("POST", api + "/xsite-1/cancel", OPERATOR, "", "Origin", service.base);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("ontap"));
    }

    @Test
    void everyBadInputGetsAClearRefusalNeverA500() throws Exception {
        long before = triggers();
        String deep = "[".repeat(1000) + "]".repeat(1000);
        List<String[]> cases = List.of(
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"timeout\":\"99999999999999h\"}", "timeout"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"timeout\":\"31d\"}", "timeout"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":" + deep + "}", ""},
                new String[] {"{\"method\":\"POST\",\"method\":\"DELETE\",\"path\":\"/api/storage/volumes\"}", ""},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"return_timeout\":1.5}", "return_timeout"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":[1,2]}", "body"},
                new String[] {"{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":\"text\"}", "body"},
                new String[] {"{\"method\":7,\"path\":\"/api/storage/volumes\"}", "method"},
                new String[] {"{\"method\":", ""},
                new String[] {"[]", ""});
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", api, SUBMITTER, c[0]);
            assertThat(r.statusCode()).as(c[0].length() > 80 ? c[0].substring(0, 80) : c[0]).isEqualTo(400);
            JsonNode error = JSON.readTree(r.body()).path("error");
            assertThat(error.path("message").asText()).isNotBlank();
            assertThat(error.path("field").asText("")).isEqualTo(c[1]);
        }
        // the same from the queue: never acknowledged into nothing
        try (Connection c = service.brokerClient().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(
                    "{\"id\":\"q-huge\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"timeout\":\"99999999999999h\"}"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var m = service.context().createConsumerTemplate().receive("jms:queue:ontap.requests.rejected", 100);
            return m != null && m.getMessage().getBody(String.class).contains("q-huge")
                    && m.getMessage().getHeader("OntapRejectReason", String.class).startsWith("timeout:");
        });
        // and from the inbox: a reason, always
        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/deep.json"), "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"a\":" + deep + "}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("inbox/.rejected/deep.json.reason.txt")));
        assertThat(triggers()).isEqualTo(before);
    }

    @Test
    void aRefusedFileIsNeverQuotedInItsReason() throws Exception {
        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/key.json"), "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("inbox/.rejected/key.json.reason.txt")));
        assertThat(Files.readString(tmp.resolve("inbox/.rejected/key.json.reason.txt"))).doesNotContain("BEGIN").doesNotContain("MIIE")
                .startsWith("not valid JSON (at line 1");
    }
    /** The names of the volumes the cluster (the simulator) has: what reached it. */
    static String volumeNames() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(simulator + "/api/storage/volumes?fields=name"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Until the operation has been sent and answered (its trigger counted). */
    static void awaitTriggered(String id) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !JSON.readTree(send("GET", api + "/" + id, READER, null).body())
                .path("status").asText().matches("accepted|triggering"));
    }

    static String volumeRequest(String id, String name) {
        return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"method\":\"POST\",\"path\":\"/api/storage/volumes\","
                + "\"body\":{\"name\":\"" + name + "\"}}";
    }

    @Test
    void anotherClientsIdIsRefused409DisclosingNothingAndReachingNothing() throws Exception {
        HttpResponse<String> created = send("POST", api, SUBMITTER, volumeRequest("owned-1", "owned_vol"));
        assertThat(created.statusCode()).isEqualTo(202);
        awaitTriggered("owned-1");
        long before = triggers();

        HttpResponse<String> taken = send("POST", api, RIVAL, volumeRequest("owned-1", "rival_vol"));

        assertThat(taken.statusCode()).as(taken.body()).isEqualTo(409);
        JsonNode error = JSON.readTree(taken.body());
        assertThat(error.at("/error/field").asText()).isEqualTo("id");
        assertThat(error.at("/error/message").asText()).isEqualTo("id: an operation with this id exists for another requester; choose another id");
        assertThat(error.fieldNames()).toIterable().containsExactly("error");
        assertThat(taken.body()).doesNotContain("submitter").doesNotContain("owned_vol").doesNotContain("/api/storage")
                .doesNotContain("jobs").doesNotContain("requested_by").doesNotContain("status");
        assertThat(taken.headers().firstValue("Location")).isEmpty();
        // nor by reading: the rival has no read role
        assertThat(send("GET", api + "/owned-1", RIVAL, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", api, RIVAL, null).statusCode()).isEqualTo(403);
        // its owner re-POSTing gets its operation, as before (never triggered twice)
        HttpResponse<String> again = send("POST", api, SUBMITTER, volumeRequest("owned-1", "owned_vol"));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).at("/operation/id").asText()).isEqualTo("owned-1");
        // the operation is untouched, and nothing of the rival's reached the cluster
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("outcomes/owned-1.json")));
        assertThat(JSON.readTree(tmp.resolve("outcomes/owned-1.json").toFile()).at("/data/requested_by").asText()).isEqualTo("submitter");
        assertThat(triggers()).isEqualTo(before);
        assertThat(volumeNames()).contains("owned_vol").doesNotContain("rival_vol");
    }

    @Test
    void aSquattingClientCannotBlockAnInboxFileNorAQueueMessage() throws Exception {
        // the entry points' own ids are refused to API clients, in any case
        for (String reserved : List.of("inbox.squat", "queue.squat", "INBOX.squat", "Queue.squat")) {
            HttpResponse<String> r = send("POST", api, RIVAL, volumeRequest(reserved, "decoy_reserved"));
            assertThat(r.statusCode()).as(reserved + ": " + r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/field").asText()).isEqualTo("id");
        }
        // the bare ids a file and a message will use, taken first with a decoy
        assertThat(send("POST", api, RIVAL, volumeRequest("squat", "decoy_inbox")).statusCode()).isEqualTo(202);
        assertThat(send("POST", api, RIVAL, volumeRequest("qsquat", "decoy_queue")).statusCode()).isEqualTo(202);
        awaitTriggered("squat");
        awaitTriggered("qsquat");
        long before = triggers();

        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/.squat.tmp"), volumeRequest(null, "inbox_real"));
        Files.move(tmp.resolve("inbox/.squat.tmp"), tmp.resolve("inbox/squat.json"));
        try (Connection c = service.brokerClient().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(volumeRequest("qsquat", "queue_real")));
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(tmp.resolve("outcomes/inbox.squat.json"))
                && Files.exists(tmp.resolve("outcomes/queue.qsquat.json")));
        JsonNode fromFile = JSON.readTree(tmp.resolve("outcomes/inbox.squat.json").toFile());
        JsonNode fromQueue = JSON.readTree(tmp.resolve("outcomes/queue.qsquat.json").toFile());
        assertThat(fromFile.at("/data/status").asText()).isEqualTo("succeeded");
        assertThat(fromFile.at("/data/requested_by").asText()).isEqualTo("inbox");
        assertThat(fromQueue.at("/data/status").asText()).isEqualTo("succeeded");
        assertThat(fromQueue.at("/data/requested_by").asText()).isEqualTo("queue");
        assertThat(triggers()).as("both reached the cluster").isEqualTo(before + 2);
        assertThat(volumeNames()).contains("inbox_real").contains("queue_real").doesNotContain("decoy_reserved");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("inbox/.done/squat.json")));
    }

    @Test
    void anIdTakenInTheInboxsOrTheQueuesNamespaceIsRejectedThereWithItsReason() throws Exception {
        // only the operator's routes can still take such an id: then the file and the message are refused, not "done"
        var template = service.context().createProducerTemplate();
        for (String id : List.of("inbox.route-held", "queue.route-held")) {
            var run = template.send("ontap:default", e -> e.getIn().setBody(volumeRequest(id, "route_held")));
            assertThat(run.getException()).isNull();
        }
        long before = triggers();

        Files.createDirectories(tmp.resolve("inbox"));
        Files.writeString(tmp.resolve("inbox/route-held.json"), volumeRequest(null, "inbox_blocked"));
        try (Connection c = service.brokerClient().createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("ontap.requests")).send(s.createTextMessage(volumeRequest("route-held", "queue_blocked")));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("inbox/.rejected/route-held.json.reason.txt")));
        assertThat(Files.readString(tmp.resolve("inbox/.rejected/route-held.json.reason.txt")))
                .startsWith("id: an operation with this id exists for another requester");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var m = service.context().createConsumerTemplate().receive("jms:queue:ontap.requests.rejected", 100);
            return m != null && m.getMessage().getBody(String.class).contains("queue_blocked")
                    && m.getMessage().getHeader("OntapRejectReason", String.class).startsWith("id: an operation with this id exists");
        });
        assertThat(triggers()).isEqualTo(before);
        assertThat(volumeNames()).doesNotContain("inbox_blocked").doesNotContain("queue_blocked");
    }
}

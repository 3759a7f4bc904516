package io.ontapjobs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.RunningService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API end to end over real HTTP: the service as `serve` wires it, its in-process simulator scripted by file. */
class OperationsApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    static Path tmp;
    static RunningService service;
    static String api;

    @BeforeAll
    static void start() throws Exception {
        service = RunningService.start(tmp, """
                scenarios:
                  - {method: POST, path: /api/storage/volumes, duration: 300ms}
                  - {method: POST, path: /api/snapmirror/*, runs-until-cancelled: true}
                  - {method: POST, path: /api/storage/volumes/*/move, runs-until-cancelled: true, cancel-unsupported: true, pause-unsupported: true}
                """);
        api = service.base + OperationsApi.BASE;
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(String url) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void submittedOperationRunsToItsOutcomeAndIsNotTriggeredTwice() throws Exception {
        String request = "{\"id\":\"api-vol1\",\"method\":\"POST\",\"path\":\"/api/storage/volumes\",\"body\":{\"name\":\"vol1\"}}";

        HttpResponse<String> first = post(api, request);
        HttpResponse<String> again = post(api, request);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Location")).hasValue("/api/v1/operations/api-vol1");
        assertThat(again.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> get(api + "/api-vol1").path("status").asText().equals("succeeded"));
        JsonNode op = get(api + "/api-vol1");
        assertThat(op.at("/job/state").asText()).isEqualTo("success");
        assertThat(op.get("attempts").asInt()).isEqualTo(1);
        assertThat(op.get("last_poll_at").asText()).isNotBlank();
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(tmp.resolve("outcomes/api-vol1.json")));
        assertThat(get(api + "?status=succeeded").get("records")).anySatisfy(r -> assertThat(r.at("/operation/id").asText()).isEqualTo("api-vol1"));
    }

    @Test
    void cancelOverHttpEndsTheOperationCancelled() throws Exception {
        post(api, "{\"id\":\"api-sm1\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r1/transfers\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(api + "/api-sm1").at("/jobs/0/state").asText().equals("running"));

        HttpResponse<String> cancel = post(api + "/api-sm1/cancel", "");

        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> get(api + "/api-sm1").path("status").asText().equals("cancelled"));
        HttpResponse<String> late = post(api + "/api-sm1/cancel", "");
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(late.body()).contains("has ended (cancelled)");
    }

    @Test
    void ontapRefusalsComeBackAs409WithTheirCode() throws Exception {
        post(api, "{\"id\":\"api-move\",\"method\":\"POST\",\"path\":\"/api/storage/volumes/v1/move\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(api + "/api-move").at("/jobs/0/state").asText().equals("running"));

        HttpResponse<String> cancel = post(api + "/api-move/cancel", "");
        HttpResponse<String> pause = post(api + "/api-move/pause", "");
        HttpResponse<String> resume = post(api + "/api-move/resume", "");

        assertThat(cancel.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(cancel.body()).at("/error/code").asText()).isEqualTo("458784");
        assertThat(JSON.readTree(pause.body()).at("/error/code").asText()).isEqualTo("458783");
        assertThat(JSON.readTree(resume.body()).at("/error/code").asText()).isEqualTo("458771");
        assertThat(get(api + "/api-move").path("status").asText()).isEqualTo("running");
    }

    @Test
    void badInputIs400NamingTheFieldAndNothingReachesTheCluster() throws Exception {
        HttpResponse<String> badJson = post(api, "{\"method\":");
        HttpResponse<String> get = post(api, "{\"method\":\"GET\",\"path\":\"/api/storage/volumes\"}");
        HttpResponse<String> path = post(api, "{\"method\":\"POST\",\"path\":\"/storage/volumes\"}");
        HttpResponse<String> cluster = post(api, "{\"method\":\"POST\",\"path\":\"/api/x\",\"cluster\":\"nowhere\"}");
        // over 1 MiB: refused by the HTTP server on its Content-Length, before the body is sent (raw socket: Java's
        // HttpClient insists on sending the whole body first and sees only the closed connection)
        String bigAnswer;
        try (java.net.Socket raw = new java.net.Socket("127.0.0.1", URI.create(api).getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(("POST " + URI.create(api).getPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (1024 * 1024 + 60) + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            bigAnswer = new String(raw.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        HttpResponse<String> action = post(api + "/api-vol1/explode", "");

        assertThat(badJson.statusCode()).isEqualTo(400);
        HttpResponse<String> form = HTTP.send(HttpRequest.newBuilder(URI.create(api)).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/x-www-form-urlencoded").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).as("curl -d without a JSON content type").isEqualTo(415);
        assertThat(JSON.readTree(get.body()).at("/error/field").asText()).isEqualTo("method");
        assertThat(JSON.readTree(path.body()).at("/error/field").asText()).isEqualTo("path");
        assertThat(JSON.readTree(cluster.body()).at("/error/field").asText()).isEqualTo("cluster");
        // refused by the HTTP server (camel.server.max-body-size, counted in bytes) before the API parses it
        assertThat(bigAnswer).startsWith("HTTP/1.1 413").contains("1048576 bytes");
        assertThat(action.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(action.body()).at("/error/field").asText()).isEqualTo("action");
        assertThat(get(api + "?status=accepted").get("num_records").asInt()).isZero();
    }

    @Test
    void unknownOperationIs404() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/nope")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(post(api + "/nope/cancel", "").statusCode()).isEqualTo(404);
    }

    /**
     * The routes' own headers (the component's CamelOntap*, Camel's others) are internal: no answer carries them, whatever the
     * route, status or what the client sent as headers and query parameters (which Camel turns into headers).
     */
    @Test
    void noAnswerCarriesInternalHeaders() throws Exception {
        String sneaky = "?CamelOntapStatus=x&CamelHttpResponseCode=299&ontapJobUuid=y";
        var answers = new java.util.LinkedHashMap<String, HttpResponse<String>>();
        String request = "{\"id\":\"api-hdr\",\"method\":\"POST\",\"path\":\"/api/snapmirror/relationships/r2/transfers\"}";
        answers.put("submit 202", send("POST", api + sneaky, request, "application/json"));
        answers.put("submit again 200", send("POST", api + sneaky, request, "application/json"));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(api + "/api-hdr").at("/jobs/0/state").asText().equals("running"));
        answers.put("get 200", send("GET", api + "/api-hdr" + sneaky, null, null));
        answers.put("list 200", send("GET", api + sneaky + "&status=running", null, null));
        answers.put("pause 409", send("POST", api + "/api-hdr/pause" + sneaky, "", null));
        answers.put("cancel 200", send("POST", api + "/api-hdr/cancel" + sneaky, "", null));
        answers.put("control of unknown 404", send("POST", api + "/nope/cancel" + sneaky, "", null));
        answers.put("get unknown 404", send("GET", api + "/nope" + sneaky, null, null));
        answers.put("bad action 400", send("POST", api + "/api-hdr/explode" + sneaky, "", null));
        answers.put("bad json 400", send("POST", api + sneaky, "{", "application/json"));
        answers.put("form 415", send("POST", api + sneaky, "{}", "application/x-www-form-urlencoded"));

        assertThat(answers.get("submit 202").statusCode()).isEqualTo(202);
        assertThat(answers.get("cancel 200").statusCode()).as(answers.get("cancel 200").body()).isEqualTo(200);
        assertThat(answers.get("control of unknown 404").statusCode()).isEqualTo(404);
        answers.forEach((what, r) -> {
            assertThat(r.headers().map().keySet()).as(what + " (" + r.statusCode() + ")")
                    .noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("ontap") || h.toLowerCase(java.util.Locale.ROOT).startsWith("camel"));
            assertThat(r.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        });
    }

    static HttpResponse<String> send(String method, String url, String body, String type) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).header("CamelOntapJobUuid", "forged").header("CamelFoo", "forged");
        if (type != null) {
            b.header("Content-Type", type);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

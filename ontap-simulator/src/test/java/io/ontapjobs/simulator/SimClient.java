package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** A tiny JSON-over-HTTP client for the simulator tests (real HTTP through java.net.http). */
final class SimClient {
    static final ObjectMapper JSON = new ObjectMapper();

    record Res(int status, JsonNode json, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String errorCode() {
            return json.path("error").path("code").asText();
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private String auth = "Basic " + Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8));

    SimClient(OntapSimulator sim) {
        this.base = sim.baseUrl();
    }

    SimClient credentials(String user, String password) {
        auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return this;
    }

    SimClient noAuth() {
        auth = null;
        return this;
    }

    private String userAgent;

    /** Sends this User-Agent (else the JDK client's own). */
    SimClient userAgent(String value) {
        userAgent = value;
        return this;
    }

    Res get(String pathAndQuery) throws IOException, InterruptedException {
        return send("GET", pathAndQuery, null);
    }

    Res post(String pathAndQuery, String body) throws IOException, InterruptedException {
        return send("POST", pathAndQuery, body);
    }

    Res patch(String pathAndQuery, String body) throws IOException, InterruptedException {
        return send("PATCH", pathAndQuery, body);
    }

    Res delete(String pathAndQuery) throws IOException, InterruptedException {
        return send("DELETE", pathAndQuery, null);
    }

    Res send(String method, String pathAndQuery, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery.replace("|", "%7C"))).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (userAgent != null) {
            b.header("User-Agent", userAgent);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body() == null || r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        return new Res(r.statusCode(), json, r);
    }

    /** POSTs and returns the started job's uuid. */
    String start(String path, String body) throws IOException, InterruptedException {
        Res r = post(path, body);
        if (r.status() != 202) {
            throw new AssertionError("expected 202, got " + r.status() + " " + r.json());
        }
        return r.json().path("job").path("uuid").asText();
    }

    String state(String uuid) throws IOException, InterruptedException {
        return get("/api/cluster/jobs/" + uuid + "?fields=state").json().path("state").asText();
    }
}

package io.ontapjobs.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.service.EmbeddedDefaults;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.main.Main;

/**
 * The service as {@code serve} wires it, started in-process on a free port with its simulator scripted by a
 * scenarios file (the pattern of {@link OperationsApiTest}), for tests that talk to it over real HTTP.
 */
public final class RunningService implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    private final Main main;
    public final int port;
    public final String base;

    private RunningService(Main main, int port) {
        this.main = main;
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
    }

    public static RunningService start(Path dir, String scenariosYaml) throws Exception {
        Path scenarios = dir.resolve("scenarios.yaml");
        Files.writeString(scenarios, scenariosYaml);
        int port = freePort();
        Main main = new Main();
        EmbeddedDefaults.configure(main, false);
        main.addOverrideProperty("ontap.api.port", String.valueOf(port));
        main.addOverrideProperty("ontap.inbox.dir", dir.resolve("inbox").toString());
        main.addOverrideProperty("ontap.outcomes.dir", dir.resolve("outcomes").toString());
        main.addOverrideProperty("ontap.state.dir", dir.resolve("data").toString());
        main.addOverrideProperty("ontap.simulator.scenarios", scenarios.toString());
        main.addOverrideProperty("camel.main.shutdown-timeout", "1"); // jobs that never end by themselves
        main.start();
        return new RunningService(main, port);
    }

    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** POSTs a request document to the API; asserts nothing. */
    public HttpResponse<String> submit(String request) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + OperationsApi.BASE)).POST(HttpRequest.BodyPublishers.ofString(request))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The API's view of one operation. */
    public JsonNode operation(String id) throws Exception {
        return JSON.readTree(get(OperationsApi.BASE + "/" + id).body());
    }

    public HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        main.stop();
    }
}

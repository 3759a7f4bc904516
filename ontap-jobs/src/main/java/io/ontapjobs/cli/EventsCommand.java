package io.ontapjobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.store.StoreEventBookmarks;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code events register} and {@code events status}: ONTAP's push to the service, and where the EMS consumers are. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "EMS events: registers the push destination on a cluster, shows the consumers' bookmarks.",
        subcommands = {EventsCommand.Register.class, EventsCommand.Status.class})
public class EventsCommand {

    /**
     * Creates or updates, idempotently, the EMS filter {@code ontap-jobs-<cluster>} (one include rule per name
     * pattern) and the {@code rest_api} destination {@code ontap-jobs-<cluster>} that sends what it lets through to
     * {@code --url}: a second run changes nothing; a changed URL or pattern list is PATCHed.
     */
    @Command(name = "register", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Creates or updates the EMS destination and its filter that push events to the service.")
    public static class Register implements Callable<Integer> {
        static final ObjectMapper JSON = new ObjectMapper();
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--cluster", required = true, description = "The cluster's name in the service (ontap.clusters.NAME): names the destination and filter, ontap-jobs-NAME")
        String cluster;
        @Option(names = "--url", required = true, description = "Where ONTAP posts: https://service/api/v1/ems/push/NAME[/TOKEN]")
        String url;
        @Option(names = "--cluster-url", required = true, description = "Cluster management URL: https://host (verified TLS) or http://host:port (simulator)")
        String clusterUrl;
        @Option(names = "--user", defaultValue = "admin", description = "User name (default: ${DEFAULT-VALUE})")
        String user;
        @Option(names = "--password-env", required = true, paramLabel = "VAR", description = "Name of the environment variable that holds the password")
        String passwordEnv;
        @Option(names = "--events", defaultValue = "*", description = "Comma-separated event name patterns the filter lets through (default: ${DEFAULT-VALUE})")
        String events;
        @Option(names = "--severities", defaultValue = "*", description = "Severities of the filter's rules (default: ${DEFAULT-VALUE})")
        String severities;
        UnaryOperator<String> environment = System::getenv;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private String auth;
        private URI base;

        @Override
        public Integer call() throws Exception {
            String password = environment.apply(passwordEnv);
            if (password == null || password.isEmpty()) {
                throw new Main.UsageError("--password-env: the variable " + passwordEnv + " is not set");
            }
            URI push = URI.create(url);
            if (!"https".equals(push.getScheme()) && !"http".equals(push.getScheme())) {
                throw new Main.UsageError("--url: an http:// or https:// URL");
            }
            base = URI.create(clusterUrl.endsWith("/") ? clusterUrl.substring(0, clusterUrl.length() - 1) : clusterUrl);
            auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            String name = "ontap-jobs-" + cluster;
            var out = spec.commandLine().getOut();
            out.println("filter " + name + ": " + filter(name));
            out.println("destination " + name + ": " + destination(name, push.toString()));
            return Main.OK;
        }

        private ArrayNode rules() {
            ArrayNode rules = JSON.createArrayNode();
            int index = 1;
            for (String pattern : io.ontapjobs.events.EventQueries.words(events)) {
                ObjectNode rule = rules.addObject().put("index", index++).put("type", "include");
                rule.putObject("message_criteria").put("name_pattern", pattern).put("severities", severities.strip());
            }
            if (rules.isEmpty()) {
                throw new Main.UsageError("--events: no name pattern");
            }
            return rules;
        }

        private String filter(String name) throws Exception {
            ArrayNode wanted = rules();
            HttpResponse<String> got = call("GET", "/api/support/ems/filters/" + enc(name) + "?fields=name,rules", null);
            if (got.statusCode() == 404) {
                ObjectNode body = JSON.createObjectNode().put("name", name);
                body.set("rules", wanted);
                expect(call("POST", "/api/support/ems/filters", body), "POST filter " + name);
                return "created";
            }
            expect(got, "GET filter " + name);
            List<String> have = new ArrayList<>();
            for (JsonNode r : JSON.readTree(got.body()).path("rules")) {
                if (r.path("type").asText().equals("exclude") && r.at("/message_criteria/name_pattern").asText().equals("*")
                        && r.path("index").asInt() > wanted.size()) {
                    continue; // ONTAP's implicit last rule
                }
                have.add(rule(r));
            }
            List<String> want = new ArrayList<>();
            wanted.forEach(r -> want.add(rule(r)));
            if (have.equals(want)) {
                return "unchanged";
            }
            ObjectNode body = JSON.createObjectNode();
            body.set("rules", wanted);
            expect(call("PATCH", "/api/support/ems/filters/" + enc(name), body), "PATCH filter " + name);
            return "updated";
        }

        private static String rule(JsonNode r) {
            return r.path("type").asText() + " " + r.at("/message_criteria/name_pattern").asText() + " "
                    + r.at("/message_criteria/severities").asText();
        }

        private String destination(String name, String push) throws Exception {
            HttpResponse<String> got = call("GET", "/api/support/ems/destinations/" + enc(name) + "?fields=name,type,destination,filters", null);
            ObjectNode body = JSON.createObjectNode();
            body.put("destination", push);
            body.putArray("filters").addObject().put("name", name);
            if (got.statusCode() == 404) {
                body.put("name", name).put("type", "rest_api");
                expect(call("POST", "/api/support/ems/destinations", body), "POST destination " + name);
                return "created, to " + push;
            }
            expect(got, "GET destination " + name);
            JsonNode have = JSON.readTree(got.body());
            List<String> filters = new ArrayList<>();
            have.path("filters").forEach(f -> filters.add(f.isTextual() ? f.asText() : f.path("name").asText()));
            if (have.path("destination").asText().equals(push) && filters.equals(List.of(name))) {
                return "unchanged";
            }
            expect(call("PATCH", "/api/support/ems/destinations/" + enc(name), body), "PATCH destination " + name);
            return "updated, to " + push;
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
        }

        private HttpResponse<String> call(String method, String path, JsonNode body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", auth).header("Accept", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        private static void expect(HttpResponse<String> r, String what) {
            if (r.statusCode() / 100 != 2) {
                String error = r.body() == null ? "" : r.body().length() > 300 ? r.body().substring(0, 300) : r.body();
                throw new Main.UsageError(what + ": HTTP " + r.statusCode() + " " + error);
            }
        }
    }

    /** Each consumer's bookmarks from the service's store: node, index, the event's time, lag, when saved. */
    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Shows each EMS consumer's bookmarks (per node) from the service's store.")
    public static class Status implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--state-dir", defaultValue = "data", description = "The service's ontap.state.dir (default: ${DEFAULT-VALUE})")
        Path stateDir;
        @Option(names = "--jdbc-url", description = "The service's ontap.state.jdbc-url (instead of --state-dir)")
        String jdbcUrl;
        @Option(names = "--db-user", defaultValue = "", description = "Its ontap.state.user")
        String dbUser;
        @Option(names = "--db-password-env", paramLabel = "VAR", description = "Environment variable with its ontap.state.password")
        String dbPasswordEnv;
        UnaryOperator<String> environment = System::getenv;

        @Override
        public Integer call() {
            Map<String, String> props = new java.util.HashMap<>();
            if (jdbcUrl != null) {
                props.put("ontap.state.jdbc-url", jdbcUrl);
                props.put("ontap.state.user", dbUser);
                props.put("ontap.state.password", dbPasswordEnv == null ? "" : Optional.ofNullable(environment.apply(dbPasswordEnv)).orElse(""));
            } else {
                if (!java.nio.file.Files.exists(stateDir.resolve(OperationStore.EMBEDDED_NAME + ".mv.db"))) {
                    throw new Main.UsageError("--state-dir: no store in " + stateDir + " (the service's ontap.state.dir)");
                }
                props.put("ontap.state.dir", stateDir.toString());
            }
            var out = spec.commandLine().getOut();
            try (OperationStore store = OperationStore.configured(k -> Optional.ofNullable(props.get(k)))) {
                List<StoreEventBookmarks.Row> rows = store.eventBookmarks(null).all();
                if (rows.isEmpty()) {
                    out.println("no EMS consumer has started yet");
                    return Main.OK;
                }
                Instant now = Instant.now();
                out.printf("%-32s %-38s %10s  %-20s %8s  %-20s%n", "CONSUMER", "NODE", "INDEX", "EVENT TIME", "LAG", "SAVED (LAST EVENT)");
                for (StoreEventBookmarks.Row r : rows) {
                    String node = r.nodeUuid().equals(io.ontapjobs.events.EventBookmarks.START) ? "(first start: floor)" : r.nodeUuid();
                    String lag = r.time() == null || node.startsWith("(") ? "-" : Duration.between(r.time(), now).toSeconds() + "s";
                    out.printf("%-32s %-38s %10d  %-20s %8s  %-20s%n", r.consumerKey(), node, r.index(),
                            r.time() == null ? "-" : r.time().toString(), lag, r.updatedAt().toString());
                }
            }
            return Main.OK;
        }
    }
}

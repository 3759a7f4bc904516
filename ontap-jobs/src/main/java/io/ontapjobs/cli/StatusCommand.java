package io.ontapjobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.ontap.Printable;
import io.ontapjobs.policy.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code status}: what a running service has in flight and how its last operations ended, as one table read from
 * {@code GET /api/v1/operations}. {@code --watch} redraws it.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Shows the operations in flight and the last outcomes of a running service (its HTTP API).",
                "Exit codes: 0 shown, 2 usage error or the service cannot be reached."})
public class StatusCommand implements Callable<Integer> {
    static final int WIDTH = 120;
    static final String API = "/api/v1/operations";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLEAR = "\033[H\033[2J";

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The service's HTTP address (default: ${DEFAULT-VALUE})")
    String url;
    @Option(names = "--token-env", paramLabel = "VAR", defaultValue = "ONTAP_API_TOKEN",
            description = "Environment variable holding the API token, when the service requires one (default: ${DEFAULT-VALUE})")
    String tokenEnv;
    /** Where the token is read from; tests replace it, since a JVM cannot change its own environment. */
    java.util.function.UnaryOperator<String> environment = System::getenv;
    @Option(names = "--watch", description = "Redraw every --interval until interrupted (Ctrl-C)")
    boolean watch;
    @Option(names = "--interval", defaultValue = "2s", description = "Time between redraws with --watch (default: ${DEFAULT-VALUE})")
    String interval;
    @Option(names = "--limit", defaultValue = "20", description = "How many ended outcomes to show, newest first (default: ${DEFAULT-VALUE})")
    int limit;

    @Spec
    CommandSpec spec;

    /** Whether stdout is a terminal (then --watch clears the screen); tests replace it. */
    Supplier<Boolean> terminal = () -> System.console() != null;
    /** Counted down to end --watch (tests); the interval is waited on it. */
    final CountDownLatch stop = new CountDownLatch(1);
    /** The time the ages are measured to (tests may pin it). */
    Supplier<Instant> clock = Instant::now;

    @Override
    public Integer call() throws Exception {
        URI base = baseUri(url);
        Duration every = interval(interval);
        if (limit < 0) {
            throw new Main.UsageError("--limit must be 0 or more, not " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI list = URI.create(base + API);

        JsonNode first;
        try {
            first = fetch(http, list, environment.apply(tokenEnv));
        } catch (Unreachable e) {
            err.println("ontap-jobs: " + e.getMessage());
            return Main.USAGE;
        }
        if (!watch) {
            out.print(render(base, first, clock.get()));
            out.flush();
            return Main.OK;
        }
        JsonNode records = first;
        String problem = null;
        boolean clear = terminal.get();
        while (true) {
            String screen = problem == null ? render(base, records, clock.get())
                    : "ontap-jobs " + base + " at " + clock.get().truncatedTo(ChronoUnit.SECONDS) + ": " + problem + "\n";
            out.print(clear ? CLEAR + screen : "-".repeat(WIDTH) + "\n" + screen);
            out.flush();
            if (stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
                return Main.OK;
            }
            try {
                records = fetch(http, list, environment.apply(tokenEnv));
                problem = null;
            } catch (Unreachable e) {
                problem = e.getMessage(); // keep watching: the service may be restarting
            }
        }
    }

    static URI baseUri(String text) {
        try {
            URI u = io.ontapjobs.ontap.Urls.parse(text.endsWith("/") ? text.substring(0, text.length() - 1) : text, "--url");
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (IllegalArgumentException e) {
            // never repeated: a URL may hold a password
            throw new Main.UsageError("--url: not an http(s)://host:port address without user info");
        }
    }

    static Duration interval(String text) {
        try {
            Duration d = Durations.parse(text);
            if (d.toMillis() < 200) {
                throw new Main.UsageError("--interval must be at least 200ms, not " + text);
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--interval: " + e.getMessage());
        }
    }

    /** The service could not be asked, or did not answer like ontap-jobs: one line says why. */
    static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message, null, false, false);
        }
    }

    static JsonNode fetch(HttpClient http, URI list, String token) throws Unreachable, InterruptedException {
        HttpResponse<String> r;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(list).timeout(Duration.ofSeconds(10)).header("Accept", "application/json");
            if (token != null && !token.isBlank()) {
                request.header("Authorization", "Bearer " + token.strip());
            }
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new Unreachable("cannot reach the service at " + list + ": no connection within 5s");
        } catch (HttpTimeoutException e) {
            throw new Unreachable("the service at " + list + " did not answer within 10s");
        } catch (ConnectException e) {
            throw new Unreachable("cannot reach the service at " + list + ": connection refused (is `serve` running, on that port?)");
        } catch (IOException e) {
            throw new Unreachable("cannot reach the service at " + list + ": " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        } catch (IllegalArgumentException e) {
            throw new Unreachable("cannot ask " + list + ": " + e.getMessage());
        }
        if (r.statusCode() == 401) {
            throw new Unreachable(list + " asks for a login: put a token with the read role in $ONTAP_API_TOKEN (or the variable --token-env names)");
        }
        if (r.statusCode() == 403) {
            throw new Unreachable(list + " refused: the token lacks the read role");
        }
        if (r.statusCode() != 200) {
            throw new Unreachable(list + " answered HTTP " + r.statusCode() + " (is this an ontap-jobs service?)");
        }
        try {
            JsonNode body = JSON.readTree(r.body());
            if (body == null || !body.path("records").isArray()) {
                throw new IOException("no records");
            }
            return body.get("records");
        } catch (IOException e) {
            throw new Unreachable(list + " did not answer with a list of operations (is this an ontap-jobs service?)");
        }
    }

    // --- the table ---------------------------------------------------------------------------------------------

    static final String[] HEADERS = {"ID", "CLUSTER", "PATH", "JOB UUID", "STATE", "AGE", "ATT", "LAST MESSAGE"};
    private static final String GAP = "  ";

    /** One screen: a title line, the operations in flight, then the last {@code limit} outcomes. */
    String render(URI base, JsonNode records, Instant now) {
        List<String[]> inFlight = new ArrayList<>();
        List<String[]> ended = new ArrayList<>();
        int endedTotal = 0;
        for (JsonNode r : records) {
            String status = r.path("status").asText();
            if (status.equals("accepted") || status.equals("triggering") || status.equals("running")) {
                inFlight.add(row(r, true, now));
            } else {
                endedTotal++;
                if (ended.size() < limit) {
                    ended.add(row(r, false, now));
                }
            }
        }
        StringBuilder s = new StringBuilder();
        s.append(fit("ontap-jobs " + base + " at " + now.truncatedTo(ChronoUnit.SECONDS) + ": " + inFlight.size()
                + " in flight, " + endedTotal + " ended", WIDTH)).append('\n');
        s.append('\n').append("IN FLIGHT (").append(inFlight.size()).append(")\n");
        table(s, inFlight);
        s.append('\n').append("LAST OUTCOMES (").append(ended.size()).append(" of ").append(endedTotal).append(")\n");
        table(s, ended);
        return s.toString();
    }

    static String[] row(JsonNode r, boolean running, Instant now) {
        JsonNode op = r.path("operation");
        JsonNode job;
        if (running) {
            job = null;
            for (JsonNode j : r.path("jobs")) { // the first job that has not ended, else the last one
                job = j;
                if (!"success".equals(j.path("state").asText()) && !"failure".equals(j.path("state").asText())) {
                    break;
                }
            }
        } else {
            job = r.path("job").isObject() ? r.get("job") : null;
        }
        String status = text(r, "status");
        String state = running ? (job != null && !text(job, "state").isEmpty() ? text(job, "state") : status) : status;
        String message;
        if (running) {
            message = job != null ? text(job, "message") : "";
        } else {
            String code = errorCode(r);
            // a failed job says why itself; otherwise (timed out, lost, rejected, cancelled) the reason does
            boolean jobSaysWhy = "failed".equals(status) && job != null && !code.isEmpty() && !text(job, "message").isEmpty();
            String why = jobSaysWhy || text(r, "reason").isEmpty() ? (job != null ? text(job, "message") : "") : text(r, "reason");
            message = code.isEmpty() ? why : "[" + code + "] " + why;
        }
        return new String[] {text(op, "id"), text(op, "cluster"), text(op, "path"), job != null ? text(job, "uuid") : "",
                state, age(r.path("accepted_at").asText(null), now), text(r, "attempts"), oneLine(message)};
    }

    /** The job's error code (error.code, else a non-zero code), for an outcome that did not succeed. */
    static String errorCode(JsonNode r) {
        JsonNode job = r.path("job");
        String code = job.path("error").path("code").asText("");
        if (code.isEmpty() && job.path("code").canConvertToLong() && job.path("code").asLong() != 0) {
            code = job.path("code").asText();
        }
        return Printable.of(code);
    }

    /** A field as text a terminal shows as text: no escape sequence from a cluster's message reaches it. */
    static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isMissingNode() || v.isNull() ? "" : Printable.of(v.asText());
    }

    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ").strip();
    }

    static String age(String since, Instant now) {
        if (since == null) {
            return "";
        }
        try {
            return duration(Duration.between(Instant.parse(since), now));
        } catch (DateTimeParseException e) {
            return "?";
        }
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    static String duration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) return s + "s";
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        return String.format("%dd%02dh", s / 86400, s % 86400 / 3600);
    }

    /** Columns sized to their content, shrunk (widest first) so that every line fits in {@link #WIDTH}. */
    static void table(StringBuilder s, List<String[]> rows) {
        if (rows.isEmpty()) {
            s.append("  (none)\n");
            return;
        }
        int n = HEADERS.length;
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = HEADERS[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        int budget = WIDTH - GAP.length() * (n - 1);
        int messageMin = Math.min(w[n - 1], 24);
        // make room for the message: cut the path first, then the job UUID (the API has it whole), the id last
        int[][] order = {{2, 24}, {3, 18}, {0, 16}, {1, 8}, {2, 12}, {3, 8}, {0, 8}};
        for (int[] column : order) {
            int over = sum(w, n - 1) + messageMin - budget;
            if (over <= 0) break;
            if (w[column[0]] > column[1]) {
                w[column[0]] = Math.max(column[1], w[column[0]] - over);
            }
        }
        w[n - 1] = Math.max(1, Math.min(w[n - 1], budget - sum(w, n - 1)));
        line(s, HEADERS, w);
        for (String[] r : rows) {
            line(s, r, w);
        }
    }

    private static int sum(int[] w, int count) {
        int t = 0;
        for (int i = 0; i < count; i++) t += w[i];
        return t;
    }

    private static void line(StringBuilder s, String[] cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = i == 2 ? fitMiddle(cells[i], w[i]) : fit(cells[i], w[i]);
            l.append(c);
            if (i < cells.length - 1) {
                l.append(" ".repeat(w[i] - c.length())).append(GAP);
            }
        }
        s.append(fit(l.toString().stripTrailing(), WIDTH)).append('\n');
    }

    /** A path cut in its middle, so that both its collection and its last segment (e.g. {@code /move}) stay visible. */
    static String fitMiddle(String s, int width) {
        if (s.length() <= width || width < 8) return fit(s, width);
        int head = (width - 1) / 2;
        return s.substring(0, head) + "~" + s.substring(s.length() - (width - 1 - head));
    }

    /** Cut to {@code width} characters, the last one {@code ~} (plain ASCII, any terminal) when something was cut. */
    static String fit(String s, int width) {
        if (s.length() <= width) return s;
        return width <= 1 ? s.substring(0, width) : s.substring(0, width - 1) + "~";
    }
}

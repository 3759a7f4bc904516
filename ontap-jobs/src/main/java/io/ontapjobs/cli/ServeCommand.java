package io.ontapjobs.cli;

import io.ontapjobs.service.OntapJobsConfiguration;
import java.util.concurrent.Callable;
import org.apache.camel.FailedToCreateRouteException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The service: Camel Main with the routes in routes/ and config/application.properties. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        // one element per paragraph: picocli wraps each, and the command list shows the first
        description = {"Runs the service: the HTTP API and page, the inbox, the queues and the routes, until stopped.",
                "Reads routes/*.yaml and config/application.properties from the working directory, else the copies inside"
                        + " the jar. Any key can be overridden with -Dkey=value or the environment (ONTAP_CLUSTERS_DEFAULT_PASSWORD)."
                        + " A cluster URL must be configured, unless --demo runs against an in-process ONTAP simulator."})
public class ServeCommand implements Callable<Integer> {

    @Option(names = "--demo", description = "Run against an in-process ONTAP simulator (cluster 'default') and drop the bundled example requests into the inbox")
    boolean demo;
    @Option(names = "--dev", description = "Reload route files in routes/ when they change, without a restart")
    boolean dev;

    @Override
    public Integer call() throws Exception {
        try {
            return OntapJobsConfiguration.runService(demo, dev);
        } catch (Exception e) {
            String mistake = configurationMistake(e);
            if (mistake != null) {
                throw new Main.UsageError("cannot start: " + mistake);
            }
            throw e;
        }
    }

    /** A start-up failure caused by the user's configuration or routes, in one line; null for anything else. */
    static String configurationMistake(Throwable e) {
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof OntapJobsConfiguration.ConfigurationError) {
                return c.getMessage();
            }
            if (c instanceof io.ontapjobs.store.StoreException) { // a wrong ontap.state.jdbc-url, an unreachable database
                return "ontap.state: " + c.getMessage();
            }
            if (c instanceof FailedToCreateRouteException route) {
                // "Failed to create route: r1 (source: file:routes/x.yaml:12): Route(...) because: ..." → where + why
                String message = route.getMessage();
                int source = message.indexOf("(source: ");
                String where = source < 0 ? "route " + route.getRouteId()
                        : message.substring(source + 9, message.indexOf(')', source)) + ": route " + route.getRouteId();
                return where + ": " + deepest.getMessage().lines().findFirst().orElse("");
            }
            if (c.getClass().getName().startsWith("org.snakeyaml") || c.getClass().getName().startsWith("org.apache.camel.dsl.yaml")) {
                return yamlProblem(c.getMessage());
            }
        }
        return null;
    }

    /**
     * SnakeYAML's message, e.g. "while parsing a block mapping / in file:routes/x.yaml, line 3, column 7: / (source) /
     * expected &lt;block end&gt;, but found '-' / in file:routes/x.yaml, line 6, column 8: / (source)", as one line
     * naming the file and the line of the problem.
     */
    static String yamlProblem(String message) {
        String[] lines = message.split("\\R");
        for (int i = lines.length - 1; i > 0; i--) { // the last mark is the problem's; the line before it says what
            String t = lines[i].trim();
            if (t.startsWith("in ") && t.endsWith(":")) {
                return t.substring(3, t.length() - 1) + ": " + lines[i - 1].trim();
            }
        }
        return lines[0];
    }

}

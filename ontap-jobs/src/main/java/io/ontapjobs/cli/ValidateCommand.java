package io.ontapjobs.cli;

import io.ontapjobs.service.OntapJobsConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Checks routes and configuration without running anything: the routes are built (endpoints resolved, options
 * and properties checked) but not started; no server, no simulator, no broker, nothing sent to a cluster.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks route files and config (application properties, policies, clusters) without starting them.",
                "Exit 0 when all is well, 2 with one line naming the file and the problem otherwise."})
public class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ROUTE", description = "Route files to check (default: routes/*.yaml)")
    List<Path> routes = List.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("ontap.camel.log.level") == null) {
            System.setProperty("ontap.camel.log.level", "WARN"); // a pipeline step: our lines, not Camel's start-up
        }
        for (Path route : routes) {
            if (!Files.isRegularFile(route)) {
                throw new Main.UsageError(route + ": no such file");
            }
        }
        org.apache.camel.main.Main main = new org.apache.camel.main.Main();
        OntapJobsConfiguration.configureForValidation(main);
        if (!routes.isEmpty()) {
            main.addOverrideProperty("camel.main.routesIncludePattern",
                    routes.stream().map(r -> "file:" + r).collect(Collectors.joining(",")));
        }
        String verdict;
        try {
            main.start();
            verdict = "ok: " + checkRoutes(main.getCamelContext()) + " route(s) and the configuration are valid";
        } catch (Main.UsageError e) {
            throw e;
        } catch (Exception e) {
            String mistake = ServeCommand.configurationMistake(e);
            throw new Main.UsageError(namingTheFile(main.getCamelContext(), e, mistake != null ? mistake : e.getMessage()));
        } finally {
            main.stop(); // before the verdict: nothing is logged after it
        }
        spec.commandLine().getOut().println(verdict);
        spec.commandLine().getOut().flush();
        return Main.OK;
    }

    /**
     * The routes of the files checked (not the service's own API routes, built in Java) and the clusters their
     * {@code ontap:} endpoints name: one nobody configured is refused, naming file and cluster. {@code default} is
     * always known: without a URL it is the in-process simulator ({@code serve --demo}).
     *
     * @return how many routes the files define
     */
    static int checkRoutes(org.apache.camel.CamelContext context) {
        var model = context.getCamelContextExtension().getContextPlugin(org.apache.camel.model.Model.class);
        java.util.Set<String> known = new java.util.TreeSet<>(context.getComponent("ontap", io.ontapjobs.component.OntapComponent.class).clusterNames());
        known.add("default");
        int count = 0;
        for (org.apache.camel.model.RouteDefinition route : model.getRouteDefinitions()) {
            if (route.getResource() == null) {
                continue;
            }
            count++;
            var sends = org.apache.camel.model.ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), org.apache.camel.model.SendDefinition.class);
            for (var send : sends) {
                String uri = send.getEndpointUri();
                try {
                    uri = uri == null ? null : context.resolvePropertyPlaceholders(uri);
                } catch (RuntimeException e) {
                    continue; // a template parameter: checked where the template is used
                }
                if (uri == null || !uri.startsWith("ontap:")) {
                    continue;
                }
                String cluster = uri.substring("ontap:".length()).replaceFirst("^//", "").split("\\?", 2)[0];
                if (!cluster.isEmpty() && !known.contains(cluster)) {
                    throw new Main.UsageError(file(route.getResource()) + ": route " + route.getRouteId() + ": unknown cluster '" + cluster
                            + "' (configured: " + String.join(", ", known) + "; set ontap.clusters." + cluster + ".url)");
                }
            }
        }
        return count;
    }

    /** Camel names a route by id ("route route1") when it has no source line: put its file in front. */
    static String namingTheFile(org.apache.camel.CamelContext context, Exception e, String mistake) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof org.apache.camel.FailedToCreateRouteException failed && context != null && mistake.startsWith("route ")) {
                var model = context.getCamelContextExtension().getContextPlugin(org.apache.camel.model.Model.class);
                var route = model == null ? null : model.getRouteDefinition(failed.getRouteId());
                if (route != null && route.getResource() != null) {
                    return file(route.getResource()) + ": " + mistake;
                }
            }
        }
        return mistake;
    }

    private static String file(org.apache.camel.spi.Resource resource) {
        String location = resource.getLocation();
        return location.startsWith("file:") ? location.substring("file:".length()) : location;
    }
}

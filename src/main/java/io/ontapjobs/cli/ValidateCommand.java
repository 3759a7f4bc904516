package io.ontapjobs.cli;

import io.ontapjobs.service.EmbeddedDefaults;
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
        EmbeddedDefaults.configureForValidation(main);
        if (!routes.isEmpty()) {
            main.addOverrideProperty("camel.main.routesIncludePattern",
                    routes.stream().map(r -> "file:" + r).collect(Collectors.joining(",")));
        }
        try {
            main.start();
            int count = main.getCamelContext().getRoutes().size();
            spec.commandLine().getOut().println("ok: " + count + " route(s) and the configuration are valid");
            spec.commandLine().getOut().flush();
            return Main.OK;
        } catch (Exception e) {
            String mistake = ServeCommand.configurationMistake(e);
            throw new Main.UsageError(mistake != null ? mistake : e.getMessage());
        } finally {
            main.stop();
        }
    }
}

package io.ontapjobs.cli;

import io.ontapjobs.security.ApiTokens;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints a new API token for a client and the two configuration lines that let it in. */
@Command(name = "token", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints a new random API token for CLIENT (on stderr) and the two lines to add to config/application.properties.",
                "The lines go to stdout, so `token ci-pipeline --roles submit,read >> config/application.properties` appends them."
                        + " Only the token's SHA-256 goes into the configuration; the token is shown once: give it to the client"
                        + " and keep it in a secret store."})
public class TokenCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CLIENT", description = "The client's name: 1-64 lower-case letters, digits or '-', e.g. ci-pipeline")
    String client;
    @Option(names = "--roles", required = true, split = ",", paramLabel = "ROLE[,ROLE...]",
            description = "Any of submit (POST operations), control (cancel, pause, resume), read (lists, the page, metrics), push (EMS pushes)")
    java.util.List<String> roles;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!ApiTokens.CLIENT.matcher(client).matches()) {
            throw new Main.UsageError("CLIENT: use 1-64 lower-case letters, digits or '-' (it becomes part of a configuration key)");
        }
        if (io.ontapjobs.operation.OperationRequest.SOURCES.contains(client)) {
            throw new Main.UsageError("CLIENT: '" + client + "' is the name of an entry point; choose another client name");
        }
        java.util.Set<String> words = new java.util.LinkedHashSet<>();
        for (String r : roles) {
            String w = r.strip().toLowerCase(Locale.ROOT);
            if (!java.util.List.of("submit", "control", "read", "push").contains(w)) {
                throw new Main.UsageError("--roles: '" + w + "' is not a role (use any of submit, control, read, push)");
            }
            words.add(w);
        }
        String token = ApiTokens.newToken();
        // the token on stderr, the configuration on stdout: `token ci >> config/application.properties` never
        // writes the token itself into the configuration
        var err = spec.commandLine().getErr();
        err.println("Token for " + client + " (shown once; the client sends it as Authorization: Bearer <token>):");
        err.println(token);
        var out = spec.commandLine().getOut();
        out.println("ontap.api.tokens." + client + ".sha256 = " + ApiTokens.sha256Hex(token));
        out.println("ontap.api.tokens." + client + ".roles = " + String.join(",", words));
        return Main.OK;
    }
}

package io.ontapjobs.cli;

import java.io.PrintWriter;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar ontap-jobs.jar [serve|run|simulator] ...}; with no command it serves. */
@Command(name = "ontap-jobs", mixinStandardHelpOptions = true, versionProvider = Main.ProductVersion.class,
        description = "Runs asynchronous NetApp ONTAP operations to completion, unattended.",
        subcommands = {ServeCommand.class, RunCommand.class, SimulatorCommand.class, StatusCommand.class, ValidateCommand.class,
                TokenCommand.class, BenchCommand.class, EventsCommand.class})
public final class Main {

    /** Exit codes shared by every command. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int TIMED_OUT = 3;
    public static final int LOST = 4;

    public static void main(String[] args) {
        if (args.length > 0 && "run".equals(args[0])) {
            FastStart.relaunch().ifPresent(System::exit); // the one-shot step in a JVM with the class-data archive
        }
        System.exit(execute(args.length == 0 ? new String[] {"serve"} : args));
    }

    /** Runs a command line and returns its exit code; user mistakes print one line, never a stack trace. */
    public static int execute(String... args) {
        return execute(System::getenv, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, with the environment and the output streams given (tests). */
    public static int execute(UnaryOperator<String> environment, PrintWriter out, PrintWriter err, String... args) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = new CommandLine(new Main(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K made = defaults.create(type);
                if (made instanceof RunCommand run) {
                    run.environment = environment;
                }
                if (made instanceof StatusCommand status) {
                    status.environment = environment;
                }
                if (made instanceof EventsCommand.Register register) {
                    register.environment = environment;
                }
                if (made instanceof EventsCommand.Status events) {
                    events.environment = environment;
                }
                return made;
            }
        });
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, argv) -> {
            ex.getCommandLine().getErr().println("ontap-jobs: " + describe(ex)
                    + " (see: java -jar ontap-jobs.jar " + ex.getCommandLine().getCommandName() + " --help)");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof UsageError) {
                commandLine.getErr().println("ontap-jobs: " + ex.getMessage());
                return USAGE;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /**
     * The mistake in words, without echoing what was typed after an unknown option: {@code --password VALUE} must
     * not print the value (a mistyped flag is often a secret pasted in the wrong place).
     */
    static String describe(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched) {
            java.util.List<String> options = unmatched.getUnmatched().stream().filter(a -> a.startsWith("-"))
                    .map(a -> a.contains("=") ? a.substring(0, a.indexOf('=')) : a).distinct().toList();
            return options.isEmpty() ? "unexpected argument(s) (values are not repeated here)"
                    : "unknown option" + (options.size() > 1 ? "s " : " ") + String.join(", ", options)
                    + " (values are not repeated here)";
        }
        return ex.getMessage();
    }

    /** {@code --version}: the build's version, not a copy that goes stale. */
    static final class ProductVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {io.ontapjobs.ontap.Version.PRODUCT + " " + io.ontapjobs.ontap.Version.VERSION};
        }
    }

    /** A mistake in flags or configuration: reported as one line with exit code 2. */
    public static class UsageError extends RuntimeException {
        public UsageError(String message) {
            super(message);
        }
    }
}

package io.ontapjobs.simulator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

/**
 * The simulator on its own: {@code java -cp ontap-simulator.jar:… io.ontapjobs.simulator.SimulatorMain --port 8443}
 * (the jar's main class), or {@code java -jar ontap-jobs.jar simulator}, which takes the same options. Runs until
 * stopped. Exit codes: 0 stopped, 2 a usage mistake (one line on stderr naming the option).
 */
public final class SimulatorMain {
    static final String USAGE = """
            Usage: SimulatorMain [--port N] [--bind ADDRESS] [--user NAME] [--password-env VAR] [--retention DURATION]
                                 [--tls-keystore FILE] [--tls-keystore-password-env VAR] [--scenarios FILE]
              --port         port (default 8443; 0 = any free port)
              --bind         address to listen on (default 127.0.0.1)
              --user         user name clients must send (default admin)
              --password-env environment variable with the password (default password: netapp1!)
              --retention    how long finished jobs stay before ONTAP-style deletion (default 300s)
              --tls-keystore serve HTTPS with the key in this PKCS12 key store (default: plain HTTP)
              --tls-keystore-password-env  environment variable with the key store's password
              --scenarios    YAML file with scenarios, faults and collections""";

    private SimulatorMain() {
    }

    /** A mistake on the command line, said in one line naming the option. */
    public static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        OntapSimulator simulator;
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                System.out.println(USAGE);
                return;
            }
            simulator = start(args, System::getenv);
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }));
        stopped.await();
    }

    /**
     * Starts a simulator as the options say; it runs until closed.
     *
     * @param environment where {@code --…-env} variables are read
     * @throws UsageException naming the option for an unknown option, a missing value or a bad one
     */
    public static OntapSimulator start(String[] args, UnaryOperator<String> environment) {
        Map<String, String> options = parse(args);
        var builder = OntapSimulator.builder();
        String user = options.getOrDefault("--user", "admin");
        builder.port(number("--port", options.getOrDefault("--port", "8443")))
                .bindAddress(options.getOrDefault("--bind", "127.0.0.1"))
                .username(user);
        if (options.containsKey("--password-env")) {
            builder.password(variable("--password-env", options.get("--password-env"), environment));
        }
        try {
            builder.retention(SimDurations.parse(options.getOrDefault("--retention", "300s")));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--retention: " + e.getMessage());
        }
        if (options.containsKey("--tls-keystore")) {
            String password = options.containsKey("--tls-keystore-password-env")
                    ? variable("--tls-keystore-password-env", options.get("--tls-keystore-password-env"), environment) : "";
            try {
                builder.tls(Path.of(options.get("--tls-keystore")), password.toCharArray());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--tls-keystore: " + e.getMessage());
            }
        }
        if (options.containsKey("--scenarios")) {
            try {
                builder.scenarioFile(ScenarioFile.load(Path.of(options.get("--scenarios"))));
            } catch (RuntimeException e) {
                throw new UsageException("--scenarios: " + e.getMessage());
            }
        }
        OntapSimulator simulator;
        try {
            simulator = builder.build().start();
        } catch (java.io.UncheckedIOException e) { // a port in use, an address not of this machine: one line, exit 2
            throw new UsageException((options.containsKey("--bind") ? "--port/--bind: " : "--port: ") + e.getMessage());
        }
        System.err.println("ONTAP simulator listening on " + simulator.baseUrl() + " (user " + user + "); Ctrl-C stops it");
        return simulator;
    }

    private static final List<String> OPTIONS = List.of("--port", "--bind", "--user", "--password-env", "--retention",
            "--tls-keystore", "--tls-keystore-password-env", "--scenarios");

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!OPTIONS.contains(name)) {
                // never echo what follows an unknown option: it may be a password typed in the wrong place
                throw new UsageException("unknown option " + (name.startsWith("-") ? name : "(a value without an option)")
                        + " (known: " + String.join(", ", OPTIONS) + ")");
            }
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : rest.isEmpty() ? null : rest.remove(0);
            if (value == null || value.isEmpty()) {
                throw new UsageException(name + ": a value is missing");
            }
            options.put(name, value);
        }
        return options;
    }

    private static int number(String option, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": '" + value + "' is not a port number (0-65535)");
        }
    }

    private static String variable(String option, String name, UnaryOperator<String> environment) {
        String value = environment.apply(name);
        if (value == null || value.isEmpty()) {
            throw new UsageException(option + ": the environment variable " + name + " is not set");
        }
        return value;
    }
}

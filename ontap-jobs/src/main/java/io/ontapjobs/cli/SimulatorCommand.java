package io.ontapjobs.cli;

import io.ontapjobs.policy.Durations;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.ScenarioFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the ONTAP simulator alone, until stopped. */
@Command(name = "simulator", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the ONTAP REST simulator (cluster jobs API, scripted jobs, fault injection) until stopped. See docs/simulator.md.")
public class SimulatorCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8443", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port;
    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE})")
    String bind;
    @Option(names = "--user", defaultValue = "admin", description = "User name clients must send (default: ${DEFAULT-VALUE})")
    String user;
    @Option(names = "--password-env", paramLabel = "VAR", description = "Environment variable with the password (default password: netapp1!)")
    String passwordEnv;
    @Option(names = "--retention", defaultValue = "300s", description = "How long finished jobs stay before ONTAP-style deletion (default: ${DEFAULT-VALUE})")
    String retention;
    @Option(names = "--tls-keystore", description = "Serve HTTPS with the key in this PKCS12 key store (default: plain HTTP)")
    Path tlsKeystore;
    @Option(names = "--tls-keystore-password-env", paramLabel = "VAR", description = "Environment variable with the key store's password")
    String tlsKeystorePasswordEnv;
    @Option(names = "--scenarios", description = "YAML file with scenarios, faults and collections (see config/simulator-scenarios.yaml)")
    Path scenarios;

    @Override
    public Integer call() throws Exception {
        var builder = OntapSimulator.builder().port(port).bindAddress(bind).username(user);
        if (passwordEnv != null) {
            String password = System.getenv(passwordEnv);
            if (password == null || password.isEmpty()) {
                throw new Main.UsageError("--password-env: the environment variable " + passwordEnv + " is not set");
            }
            builder.password(password);
        }
        try {
            builder.retention(Durations.parse(retention));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--retention: " + e.getMessage());
        }
        if (tlsKeystore != null) {
            String storePassword = tlsKeystorePasswordEnv == null ? "" : System.getenv(tlsKeystorePasswordEnv);
            try {
                builder.tls(tlsKeystore, storePassword == null ? new char[0] : storePassword.toCharArray());
            } catch (IllegalArgumentException e) {
                throw new Main.UsageError("--tls-keystore: " + e.getMessage());
            }
        }
        if (scenarios != null) {
            try {
                builder.scenarioFile(ScenarioFile.load(scenarios));
            } catch (RuntimeException e) {
                throw new Main.UsageError(e.getMessage());
            }
        }
        OntapSimulator simulator = builder.build().start();
        System.err.println("ONTAP simulator listening on " + simulator.baseUrl() + " (user " + user + "); Ctrl-C stops it");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }));
        stopped.await();
        return Main.OK;
    }
}

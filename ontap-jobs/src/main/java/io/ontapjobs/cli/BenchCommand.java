package io.ontapjobs.cli;

import io.ontapjobs.bench.Benchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark of docs/benchmarks.md: ontap-jobs against a per-job 1 s poller, same jobs, same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the benchmark against the in-process simulator and prints a Markdown table (docs/benchmarks.md).")
public class BenchCommand implements Callable<Integer> {
    @Option(names = "--jobs", split = ",", defaultValue = "1000,10000", description = "Jobs in flight per round (default: ${DEFAULT-VALUE})")
    List<Integer> jobs;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of the job durations (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--max-duration", defaultValue = "20", description = "Job durations are 1..N seconds, uniform (default: ${DEFAULT-VALUE})")
    int maxSeconds;
    @Option(names = "--arrival", defaultValue = "0", description = "Operations arrive one by one, evenly over this many seconds, instead of all at once (default: ${DEFAULT-VALUE})")
    double arrivalSeconds;
    @Option(names = "--out", description = "Also write the table to this file")
    Path out;
    @Option(names = "--durable", description = "Compare ontap-jobs in memory with ontap-jobs durable (H2 store, outbox, outcome files) instead of the per-job poller")
    boolean durable;
    @Option(names = "--store", split = ",", defaultValue = "h2", description = "With --durable: the store(s) of the durable runs, h2 and/or postgresql (this needs --jdbc-url), each against the same in-memory run (default: ${DEFAULT-VALUE})")
    List<String> stores;
    @Option(names = "--jdbc-url", description = "With --store postgresql: the database (an empty one; the run adds its operations)")
    String jdbcUrl;
    @Option(names = "--jdbc-user", defaultValue = "", description = "The database user")
    String jdbcUser;
    @Option(names = "--jdbc-password", defaultValue = "", description = "The database password")
    String jdbcPassword;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("ontap.camel.log.level") == null) {
            System.setProperty("ontap.camel.log.level", "WARN"); // a pipeline step: our lines, not Camel's start-up
        }
        List<Benchmark.Result[]> pairs = new ArrayList<>();
        for (int n : jobs) {
            Benchmark b = new Benchmark(n, seed, maxSeconds).arrivingOver(java.time.Duration.ofMillis(Math.round(arrivalSeconds * 1000)));
            if (durable) {
                System.err.println("bench: " + n + " jobs, ontap-jobs in memory ...");
                Benchmark.Result memory = b.ontapJobs();
                for (String store : stores) {
                    boolean h2 = switch (store.toLowerCase(java.util.Locale.ROOT)) {
                        case "h2" -> true;
                        case "postgresql" -> false;
                        default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                                "--store: h2 or postgresql, not " + store);
                    };
                    if (!h2 && (jdbcUrl == null || jdbcUrl.isBlank())) {
                        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--store postgresql needs --jdbc-url");
                    }
                    Path state = Files.createTempDirectory("ontap-bench-");
                    System.err.println("bench: " + n + " jobs, ontap-jobs durable on " + store + " (state in " + state + ") ...");
                    try {
                        pairs.add(new Benchmark.Result[] {memory, h2 ? b.ontapJobsDurable(state)
                                : b.ontapJobsDurable(state, jdbcUrl, jdbcUser, jdbcPassword)});
                    } finally {
                        try (var files = Files.walk(state)) { // thousands of outcome files and a database: not left behind
                            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                        }
                    }
                }
                continue;
            }
            System.err.println("bench: " + n + " jobs, baseline ...");
            Benchmark.Result baseline = b.baseline();
            System.err.println("bench: " + n + " jobs, ontap-jobs ...");
            Benchmark.Result ours = b.ontapJobs();
            pairs.add(new Benchmark.Result[] {baseline, ours});
        }
        String table = Benchmark.table(pairs, durable ? "durable / in memory" : "ours / baseline");
        System.out.print(table);
        if (out != null) {
            Files.writeString(out, table);
        }
        return Main.OK;
    }
}

package io.ontapjobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark itself works (the real run is `java -jar target/ontap-jobs.jar bench`, docs/benchmarks.md). */
class BenchmarkSmokeTest {

    @Test
    void bothVariantsSeeEveryJobAndTheTableHasTheirRatio() throws Exception {
        Benchmark b = new Benchmark(30, 7, 2);

        Benchmark.Result baseline = b.baseline();
        Benchmark.Result ours = b.ontapJobs();

        assertThat(baseline.detected()).isEqualTo(30);
        assertThat(ours.detected()).isEqualTo(30);
        assertThat(baseline.requestsPerJob()).isGreaterThanOrEqualTo(1.0);
        assertThat(ours.requestsPerJob()).isLessThan(baseline.requestsPerJob());
        assertThat(Benchmark.table(List.<Benchmark.Result[]>of(new Benchmark.Result[] {baseline, ours})))
                .contains("ratio ours / baseline").contains("| 30 |");
    }

    @Test
    void operationsArrivingOneByOneAreSeenByBothVariants() throws Exception {
        Benchmark b = new Benchmark(30, 7, 2).arrivingOver(java.time.Duration.ofSeconds(1));

        Benchmark.Result baseline = b.baseline();
        Benchmark.Result ours = b.ontapJobs();

        assertThat(baseline.detected()).isEqualTo(30);
        assertThat(ours.detected()).isEqualTo(30);
        assertThat(ours.requestsPerJob()).isLessThan(baseline.requestsPerJob());
    }

    @Test
    void theDurableVariantStoresEveryOutcomeAndWritesItsFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path state) throws Exception {
        Benchmark.Result durable = new Benchmark(30, 7, 2).ontapJobsDurable(state);

        assertThat(durable.detected()).isEqualTo(30);
        assertThat(durable.variant()).contains("durable");
        try (var files = java.nio.file.Files.list(state.resolve("outcomes"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".json"))).hasSize(30);
        }
        assertThat(state.resolve("ontap-jobs.mv.db")).as("the H2 store").exists();
    }

    @Test
    void theDurableVariantRunsOnPostgresqlToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path state) throws Exception {
        io.ontapjobs.store.PostgresServer.Database db = io.ontapjobs.store.PostgresServer.newDatabase();
        Benchmark.Result durable = new Benchmark(30, 7, 2).ontapJobsDurable(state, db.url(), io.ontapjobs.store.PostgresServer.USER,
                io.ontapjobs.store.PostgresServer.PASSWORD);

        assertThat(durable.detected()).isEqualTo(30);
        assertThat(durable.variant()).contains("PostgreSQL");
        try (var files = java.nio.file.Files.list(state.resolve("outcomes"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".json"))).hasSize(30);
        }
        try (java.sql.Connection c = db.connect(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT COUNT(*) FROM delivery WHERE delivered_at IS NOT NULL")) {
            r.next();
            assertThat(r.getLong(1)).as("delivered, as recorded in PostgreSQL").isEqualTo(30);
        }
    }
}

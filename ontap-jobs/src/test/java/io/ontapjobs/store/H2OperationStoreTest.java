package io.ontapjobs.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's contract on the embedded default, H2 in file mode, and the guards on its released migrations. */
class H2OperationStoreTest extends OperationStoreContract {
    @TempDir
    Path dir;

    @Override
    OperationStore openNew() {
        return OperationStore.embedded(dir);
    }

    @Override
    OperationStore reopen() {
        return OperationStore.embedded(dir);
    }

    @Override
    Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:h2:file:" + dir.toAbsolutePath().resolve("ontap-jobs")
                + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0", "sa", "");
    }

    @Test
    void theReleasedH2MigrationsAreUnchanged() throws Exception {
        // Flyway refuses to start on a database whose applied migrations' checksums differ from the files:
        // existing users' H2 files were migrated with exactly these
        assertThat(history()).containsExactly("1 -872406988 true", "2 -582788543 true", "3 1039129864 true",
                "4 843477920 true", "5 1827805969 true", "6 309877274 true", "7 1763262218 true", "8 2000175825 true");
    }

    @Test
    void aClaimLeftByAKilledRunIsDueAgainOnceTheStoreIsOpenedAgain() throws Exception {
        store.insert("op-k", "c1", "{}", Instant.now());
        store.end("op-k", "succeeded", OUTCOME, List.of("file"));
        try (Connection c = connect(); Statement s = c.createStatement()) {
            // as a run killed while sending leaves it: claimed for another hour
            s.executeUpdate("UPDATE delivery SET claimed_by = 'killed/1', claimed_until = DATEADD(HOUR, 1, LOCALTIMESTAMP)");
        }
        assertThat(claim("file", Instant.now().plusSeconds(1), c -> { })).as("claimed").isNull();
        store.close();

        store = reopen(); // H2 is one process's: nobody else can be sending it

        assertThat(claim("file", Instant.now().plusSeconds(1), OutboxQueue.Claim::delivered).outcomeId()).isEqualTo("op-k");
        assertThat(store.outbox().pending("file")).isZero();
    }

    @Test
    void everyMigrationHasAPostgresqlTwinWithTheSameVersionAndDescription() throws Exception {
        assertThat(migrations("db/postgresql")).isEqualTo(migrations("db/migration")).isNotEmpty();
    }

    private static List<String> migrations(String folder) throws URISyntaxException, java.io.IOException {
        try (Stream<Path> files = Files.list(Path.of(H2OperationStoreTest.class.getClassLoader().getResource(folder).toURI()))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted().toList();
        }
    }
}

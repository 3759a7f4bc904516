package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `validate` checks the shipped routes and configuration, and names the file of a broken route, starting nothing. */
class ValidateCommandTest {
    @TempDir
    Path tmp;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int validate(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "validate";
        System.arraycopy(args, 0, all, 1, args.length);
        return Main.execute(System::getenv, new PrintWriter(out, true), new PrintWriter(err, true), all);
    }

    @Test
    void theShippedRoutesAndConfigurationAreValid() {
        assertThat(validate()).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("ok: ");
    }

    @Test
    void aBrokenRouteIsNamedWithExitTwo() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "- route:\n    from:\n      uri: \"timer:x?periodd=1\"\n      steps:\n        - to: \"ontap:default?methd=POST\"\n");

        assertThat(validate(bad.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("ontap-jobs: ").contains("bad.yaml").contains("periodd");
    }

    @Test
    void aWrongEndpointOptionNamesTheFile() throws Exception {
        Path bad = tmp.resolve("wrong-option.yaml");
        Files.writeString(bad, "- route:\n    from:\n      uri: \"direct:x\"\n      steps:\n        - to: \"ontap:default?methd=POST\"\n");

        assertThat(validate(bad.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("ontap-jobs: ").contains("wrong-option.yaml").contains("methd")
                .doesNotContain("\tat ");
    }

    @Test
    void anUnknownClusterIsRefusedNamingFileAndCluster() throws Exception {
        Path bad = tmp.resolve("elsewhere.yaml");
        Files.writeString(bad, "- route:\n    from:\n      uri: \"direct:x\"\n      steps:\n        - to: \"ontap:nosuchcluster?method=POST&path=/api/storage/volumes\"\n");

        assertThat(validate(bad.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("ontap-jobs: ").contains("elsewhere.yaml").contains("nosuchcluster");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void severalReplicasOnTheEmbeddedDatabaseAreRefusedAsServeRefusesThem() {
        System.setProperty("ontap.ha.cluster-service", "zookeeper");
        System.setProperty("ontap.ha.zookeeper.nodes", "zk1:2181");
        try {
            assertThat(validate()).isEqualTo(2);
        } finally {
            System.clearProperty("ontap.ha.cluster-service");
            System.clearProperty("ontap.ha.zookeeper.nodes");
        }
        assertThat(err.toString().strip()).isEqualTo("ontap-jobs: ontap.ha.cluster-service: several replicas need one PostgreSQL"
                + " database: set ontap.state.jdbc-url = jdbc:postgresql://… (the embedded H2 database is one process's)");
    }

    @Test
    void anApiBeyondLoopbackWithoutTokensIsRefusedAsServeRefusesIt() {
        System.setProperty("ontap.api.host", "0.0.0.0");
        try {
            assertThat(validate()).isEqualTo(2);
        } finally {
            System.clearProperty("ontap.api.host");
        }
        assertThat(err.toString().strip()).startsWith("ontap-jobs: ontap.api.host: '0.0.0.0' is not a loopback address, and no API"
                + " token is configured");
    }

    @Test
    void countsTheRoutesOfTheFilesGiven() throws Exception {
        Path one = tmp.resolve("one.yaml");
        Files.writeString(one, "- route:\n    from:\n      uri: \"direct:one\"\n      steps:\n        - to: \"ontap:default?method=POST&path=/api/storage/volumes\"\n");

        assertThat(validate(one.toString())).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("ok: 1 route(s) and the configuration are valid");
    }
}

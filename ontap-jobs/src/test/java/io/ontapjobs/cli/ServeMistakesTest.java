package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mistake in a route file stops `serve` with one line naming the file (and the line, where Camel gives it); so does a
 * store that cannot be opened.
 */
class ServeMistakesTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty("camel.main.routes-include-pattern");
        System.clearProperty("ontap.api.port");
        System.clearProperty("ontap.broker.port");
        System.clearProperty("ontap.broker.user");
        System.clearProperty("ontap.state.dir");
        System.clearProperty("ontap.state.jdbc-url");
        System.clearProperty("ontap.state.password");
        System.clearProperty("ontap.simulator.enabled");
        System.clearProperty("ontap.clusters.prod.password");
        System.clearProperty("ontap.api.host");
        System.clearProperty("ontap.files.mode");
        System.clearProperty("ontap.ha.cluster-service");
        System.clearProperty("ontap.ha.file.root");
        System.clearProperty("ontap.ha.renew-interval");
        System.clearProperty("ontap.broker.url");
        System.clearProperty("ontap.clusters.prod.url");
        System.clearProperty("ontap.outcomes.webhook.url");
    }

    private String serveWith(String route) throws Exception {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, route);
        System.setProperty("camel.main.routes-include-pattern", "file:" + file);
        System.setProperty("ontap.state.dir", tmp.resolve("data").toString());
        System.setProperty("ontap.simulator.enabled", System.getProperty("ontap.simulator.enabled", "true")); // a cluster
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            // never the default 8080; a test may ask for a port it holds
            System.setProperty("ontap.api.port", System.getProperty("ontap.api.port.taken", String.valueOf(free.getLocalPort())));
        }
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            System.setProperty("ontap.broker.port", String.valueOf(free.getLocalPort())); // nor 61616
        }
        StringWriter err = new StringWriter();
        int code = Main.execute(System::getenv, new PrintWriter(new StringWriter()), new PrintWriter(err, true), "serve");
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines()).hasSize(1);
        return err.toString().strip();
    }

    @Test
    void aPasswordInAClusterUrlIsOneLineNamingTheKeyWithoutTheUrl() throws Exception {
        System.setProperty("ontap.clusters.prod.url", "https://admin:Url-Secret-1@prod.example.com");
        String line = serveWith(ROUTE);
        assertThat(line).startsWith("ontap-jobs: cannot start: ontap.clusters.prod.url: holds a user name or password")
                .doesNotContain("Url-Secret-1").doesNotContain("prod.example.com");
    }

    @Test
    void aPasswordInAWebhookUrlIsOneLineNamingTheKeyWithoutTheUrl() throws Exception {
        System.setProperty("ontap.outcomes.webhook.url", "https://hook:Url-Secret-1@hooks.example.com/in");
        String line = serveWith(ROUTE);
        assertThat(line).startsWith("ontap-jobs: cannot start: ontap.outcomes.webhook.url: holds a user name or password")
                .doesNotContain("Url-Secret-1").doesNotContain("hooks.example.com");
    }

    @Test
    void aPasswordInTheBrokerUrlIsOneLineNamingTheKeyWithoutTheUrl() throws Exception {
        System.setProperty("ontap.broker.url", "amqp://svc:Url-Secret-1@broker.example.com:5672");
        String line = serveWith(ROUTE);
        assertThat(line).startsWith("ontap-jobs: cannot start: ontap.broker.url: holds a user name or password")
                .doesNotContain("Url-Secret-1").doesNotContain("broker.example.com");
    }

    @Test
    void aHalfConfiguredClusterIsAMistakeNotASimulator() throws Exception {
        System.setProperty("ontap.clusters.prod.password", "Prod-Secret-1");
        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");
        assertThat(line).isEqualTo("ontap-jobs: cannot start: ontap.clusters.prod.url: missing, but ontap.clusters.prod.password is set"
                + " (a cluster needs its URL; remove the other keys to drop it)");
    }

    @Test
    void noClusterAndNoSimulatorAskedForIsAMistake() throws Exception {
        String line = serveWithout("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");
        assertThat(line).startsWith("ontap-jobs: cannot start: no cluster configured: set ontap.clusters.<name>.url")
                .contains("--demo").contains("ontap.simulator.enabled=true");
    }

    @Test
    void anApiBeyondLoopbackWithoutTokensIsAMistake() throws Exception {
        System.setProperty("ontap.api.host", "0.0.0.0");
        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");
        assertThat(line).startsWith("ontap-jobs: cannot start: ontap.api.host: '0.0.0.0' is not a loopback address, and no API token")
                .contains("ontap.api.tokens.<client>.sha256").contains("ontap.api.tokens.<client>.roles");
    }

    @Test
    void anApiPortInUseIsOneLineNamingTheKey() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            System.setProperty("ontap.api.port.taken", String.valueOf(taken.getLocalPort()));
            String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");
            assertThat(line).isEqualTo("ontap-jobs: cannot start: ontap.api.port: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " (Address already in use: the port is in use by another program, or ontap.api.host is not an address of this"
                    + " machine)");
        } finally {
            System.clearProperty("ontap.api.port.taken");
        }
    }

    /** As {@link #serveWith}, without asking for the simulator. */
    private String serveWithout(String route) throws Exception {
        System.setProperty("ontap.simulator.enabled", "false");
        return serveWith(route);
    }

    @Test
    void aBrokerUserWithoutAPasswordIsOneLineNamingTheKey() throws Exception {
        System.setProperty("ontap.broker.user", "app");

        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");

        assertThat(line).startsWith("ontap-jobs: cannot start: ontap.broker.password: not set").contains("ONTAP_BROKER_PASSWORD");
    }

    @Test
    void anUnreachableDatabaseIsOneLineWithoutThePassword() throws Exception {
        System.setProperty("ontap.state.jdbc-url", "jdbc:postgresql://127.0.0.1:1/ontap");
        System.setProperty("ontap.state.password", "Store-Secret-5");

        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");

        assertThat(line).startsWith("ontap-jobs: cannot start: ontap.state: cannot connect to the store: Connection to 127.0.0.1:1 refused")
                .doesNotContain("Store-Secret-5");
    }

    @Test
    void aBadFileModeIsOneLineNamingTheKey() throws Exception {
        System.setProperty("ontap.files.mode", "0999");

        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n");

        assertThat(line).isEqualTo("ontap-jobs: cannot start: ontap.files.mode: '0999' is not a file mode in octal, such as 0640");
    }

    static final String ROUTE = "- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n";

    @Test
    void severalReplicasOnTheEmbeddedDatabaseAreRefused() throws Exception {
        System.setProperty("ontap.ha.cluster-service", "file");
        System.setProperty("ontap.ha.file.root", tmp.resolve("locks").toString());

        assertThat(serveWith(ROUTE)).isEqualTo("ontap-jobs: cannot start: ontap.ha.cluster-service: several replicas need one"
                + " PostgreSQL database: set ontap.state.jdbc-url = jdbc:postgresql://… (the embedded H2 database is one process's)");
    }

    @Test
    void severalReplicasWithTheEmbeddedBrokerAreRefused() throws Exception {
        System.setProperty("ontap.ha.cluster-service", "kubernetes");
        System.setProperty("ontap.state.jdbc-url", "jdbc:postgresql://127.0.0.1:1/ontap"); // refused before it is opened

        assertThat(serveWith(ROUTE)).isEqualTo("ontap-jobs: cannot start: ontap.ha.cluster-service: several replicas need one"
                + " broker: set ontap.broker.url (the embedded broker is one process's)");
    }

    @Test
    void severalReplicasWithTheInProcessSimulatorAreRefused() throws Exception {
        System.setProperty("ontap.ha.cluster-service", "kubernetes");
        System.setProperty("ontap.state.jdbc-url", "jdbc:postgresql://127.0.0.1:1/ontap");
        System.setProperty("ontap.broker.url", "tcp://127.0.0.1:1");

        assertThat(serveWith(ROUTE)).startsWith("ontap-jobs: cannot start: ontap.ha.cluster-service: the in-process simulator"
                + " (ontap.simulator.enabled) would be each replica's own cluster");
    }

    @Test
    void anUnknownClusterServiceIsOneLineNamingTheKey() throws Exception {
        System.setProperty("ontap.ha.cluster-service", "etcd");

        assertThat(serveWith(ROUTE)).isEqualTo("ontap-jobs: cannot start: ontap.ha.cluster-service: 'etcd' is not one of file,"
                + " kubernetes, zookeeper (unset: a single instance)");
    }

    @Test
    void theFileClusterServiceNeedsItsFolder() throws Exception {
        System.setProperty("ontap.ha.cluster-service", "file");

        assertThat(serveWith(ROUTE)).startsWith("ontap-jobs: cannot start: ontap.ha.file.root: missing");
    }

    @Test
    void aRenewIntervalAsLongAsTheLeaseIsRefused() throws Exception {
        System.setProperty("ontap.ha.cluster-service", "kubernetes");
        System.setProperty("ontap.ha.renew-interval", "15s");

        assertThat(serveWith(ROUTE)).isEqualTo("ontap-jobs: cannot start: ontap.ha.renew-interval: 15s is too long for"
                + " ontap.ha.lease-duration 15s (at most a little over half of it: the owner must renew more than once per lease)");
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws Exception {
        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: hi\n       - to: x\n");
        assertThat(line).startsWith("ontap-jobs: cannot start: file:" + tmp.resolve("bad.yaml") + ", line 6, column 8: expected <block end>");
    }

    @Test
    void unknownEndpointOptionNamesTheOption() throws Exception {
        String line = serveWith("- route:\n    from:\n      uri: \"timer:x?periodd=1000\"\n      steps:\n        - log: hi\n");
        assertThat(line).contains("bad.yaml").contains("Unknown parameters=[{periodd=1000}]");
    }

    @Test
    void missingPropertyNamesTheProperty() throws Exception {
        String line = serveWith("- route:\n    from:\n      uri: \"timer:x\"\n      steps:\n        - log: \"{{no.such.property}}\"\n");
        assertThat(line).contains("Property with key [no.such.property] not found");
    }
}

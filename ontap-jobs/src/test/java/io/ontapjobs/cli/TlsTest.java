package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.simulator.OntapSimulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS verification is on by default; --insecure and --truststore are the two ways to accept a cluster's certificate. */
class TlsTest {
    @TempDir
    static Path tmp;
    static OntapSimulator sim;
    static Path truststore;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeAll
    static void startTlsSimulator() throws Exception {
        Path keystore = tmp.resolve("server.p12");
        Path cert = tmp.resolve("server.pem");
        truststore = tmp.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "sim", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "sim", "-keystore", keystore.toString(), "-storepass", "changeit", "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "sim", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", "changeit");
        sim = OntapSimulator.builder().port(0).tls(keystore, "changeit".toCharArray()).build().start();
        sim.addScenario(io.ontapjobs.simulator.Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(100)).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static void keytool(String... args) throws Exception {
        var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    private int run(String... extra) {
        var args = new java.util.ArrayList<>(List.of("run", "--url", sim.baseUrl(), "--password-env", "P",
                "--path", "/api/storage/volumes", "--body", "{}", "--timeout", "20s"));
        args.addAll(List.of(extra));
        return Main.execute(Map.of("P", "netapp1!", "T", "changeit")::get, new PrintWriter(out, true), new PrintWriter(err, true),
                args.toArray(String[]::new));
    }

    @Test
    void untrustedCertificateIsAConfigurationErrorNotARetry() {
        assertThat(sim.baseUrl()).startsWith("https://");

        assertThat(run()).isEqualTo(2);
        assertThat(out.toString()).contains("\"status\" : \"rejected\"").contains("TLS failed").contains("truststore");
        assertThat(sim.stats().triggers()).isZero();
    }

    @Test
    void insecureSkipsVerification() {
        assertThat(run("--insecure")).isZero();
    }

    @Test
    void truststoreWithTheClusterCertificateIsTrusted() {
        assertThat(run("--truststore", truststore.toString(), "--truststore-password-env", "T")).isZero();
    }
}

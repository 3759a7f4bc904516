package io.ontapjobs.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ontapjobs.RunningService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ontap.api.tls.keystore: the port serves HTTPS only; a keystore that cannot be used stops `serve` with one line. */
class HttpsApiTest {
    @TempDir
    static Path tmp;
    static Path keystore;
    static Path truststore;

    @BeforeAll
    static void keystores() throws Exception {
        keystore = tmp.resolve("api.p12");
        truststore = tmp.resolve("trust.p12");
        Path cert = tmp.resolve("api.pem");
        keytool("-genkeypair", "-alias", "api", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "api-Secret-7", "-keypass", "api-Secret-7");
        keytool("-exportcert", "-rfc", "-alias", "api", "-keystore", keystore.toString(), "-storepass", "api-Secret-7", "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "api", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", "changeit");
    }

    static void keytool(String... args) throws Exception {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    @AfterEach
    void clear() {
        for (String key : List.of("ontap.api.tls.keystore", "ontap.api.tls.keystore-password", "ontap.api.port", "ontap.broker.port", "ontap.state.dir")) {
            System.clearProperty(key);
        }
    }

    @Test
    void theApiIsServedOverTlsOnly(@TempDir Path dir) throws Exception {
        try (RunningService svc = RunningService.in(dir).property("ontap.api.tls.keystore", keystore.toString())
                .property("ontap.api.tls.keystore-password", "api-Secret-7").start()) {
            KeyStore trust = KeyStore.getInstance(truststore.toFile(), "changeit".toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).build();

            HttpResponse<String> live = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + svc.port + "/observe/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);

            Throwable plain = catchThrowable(() -> svc.get("/observe/health/live"));
            assertThat(plain).as("plain HTTP is not answered").isNotNull();
        }
    }

    private String serve(String keystoreFile, String password, Path dir) throws Exception {
        System.setProperty("ontap.api.tls.keystore", keystoreFile);
        System.setProperty("ontap.api.tls.keystore-password", password);
        System.setProperty("ontap.state.dir", dir.resolve("data").toString());
        System.setProperty("ontap.api.port", String.valueOf(RunningService.freePort()));
        System.setProperty("ontap.broker.port", String.valueOf(RunningService.freePort()));
        StringWriter err = new StringWriter();
        int code = io.ontapjobs.cli.Main.execute(System::getenv, new PrintWriter(new StringWriter()), new PrintWriter(err, true), "serve");
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).doesNotContain(password).doesNotContain("\tat ");
        return err.toString().strip();
    }

    @Test
    void aWrongPasswordIsOneLineNamingTheKey(@TempDir Path dir) throws Exception {
        assertThat(serve(keystore.toString(), "Not-The-Password-3", dir)).contains("ontap.api.tls.keystore-password");
    }

    @Test
    void aMissingKeystoreIsOneLineNamingTheKey(@TempDir Path dir) throws Exception {
        assertThat(serve(dir.resolve("nope.p12").toString(), "x-Secret-9", dir)).contains("ontap.api.tls.keystore:").contains("nope.p12");
    }

    @Test
    void aFileThatIsNoKeystoreIsOneLineNamingTheKey(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.p12"), "not a keystore");
        assertThat(serve(junk.toString(), "x-Secret-9", dir)).contains("ontap.api.tls.keystore");
    }
}

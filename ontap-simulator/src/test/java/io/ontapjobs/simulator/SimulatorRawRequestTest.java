package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests as raw bytes on a socket, as curl and hand-written clients send them: a raw {@code |} in the query is
 * served (the JDK's HTTP server alone would answer its own HTML 400 before any handler runs), keep-alive, pipelined
 * and chunked requests pass, and TLS still works through the simulator's front socket.
 */
class SimulatorRawRequestTest {
    private static final String AUTH = "Authorization: Basic YWRtaW46bmV0YXBwMSE=\r\n"; // admin:netapp1!
    private final OntapSimulator sim = OntapSimulator.builder().build().start();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Sends the bytes, reads until the server closes, returns everything. */
    private static String exchange(Socket s, String request) throws Exception {
        try (s) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    private String raw(String request) throws Exception {
        return exchange(new Socket("127.0.0.1", sim.port()), request);
    }

    private static JsonNode body(String response) throws Exception {
        return SimClient.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void aRawPipeInTheQueryIsServedNotAnsweredWithTheJdksHtml400() throws Exception {
        sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v1"));
        sim.emitEvent("sim-01", "wafl.vol.full", null, Map.of("vol", "v1"));
        sim.emitEvent("sim-01", "monitor.volume.nearlyFull", null, Map.of("name", "v1"));
        String target = "/api/support/ems/events?message.name=monitor.volume.full|wafl.vol.full&fields=message.name";

        String r = raw("GET " + target + " HTTP/1.1\r\nHost: sim\r\n" + AUTH + "User-Agent: raw/1\r\nConnection: close\r\n\r\n");

        assertThat(r).startsWith("HTTP/1.1 200").doesNotContain("URISyntaxException").containsIgnoringCase("content-type: application/hal+json");
        JsonNode json = body(r);
        assertThat(json.path("num_records").asInt()).isEqualTo(2);
        assertThat(json.path("records").get(1).path("message").path("name").asText()).isEqualTo("wafl.vol.full");
        EmsRequest logged = sim.emsRequests().get(0);
        assertThat(logged.uri()).as("logged as sent").isEqualTo(target);
        assertThat(logged.userAgent()).isEqualTo("raw/1");

        String jobs = raw("GET /api/cluster/jobs?uuid=a|b&fields=state HTTP/1.1\r\nHost: sim\r\n" + AUTH + "Connection: close\r\n\r\n");
        assertThat(jobs).startsWith("HTTP/1.1 200");
        assertThat(sim.jobPolls().get(0).uuids()).containsExactly("a", "b");

        String other = raw("GET /api/storage/volumes?name={x}^\"<y>\"|%zz HTTP/1.1\r\nHost: sim\r\n" + AUTH + "Connection: close\r\n\r\n");
        assertThat(other).as("other characters java.net.URI refuses").startsWith("HTTP/1.1 200");
        assertThat(body(other).path("num_records").asInt()).isZero();

        String unauth = raw("GET /api/support/ems/events?message.name=a|b HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n");
        assertThat(unauth).startsWith("HTTP/1.1 401");
        assertThat(body(unauth).path("error").path("code").asText()).as("ONTAP's JSON error shape").isEqualTo("6691623");
    }

    @Test
    void keepAlivePipelinedAndChunkedRequestsPassTheFront() throws Exception {
        String first = "GET /api/support/ems/events?message.severity=alert|error HTTP/1.1\r\nHost: sim\r\n" + AUTH + "\r\n";
        String chunked = "POST /_simulator/ems/events HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk("{\"message\":\"waf") + chunk("l.vol.ful") + chunk("l\"}") + "0\r\n\r\n";
        String sized = "{\"message\":\"monitor.volume.full\"}";
        String withLength = "POST /_simulator/ems/events HTTP/1.1\r\nHost: sim\r\nContent-Length: " + sized.length() + "\r\n\r\n" + sized;
        String last = "GET /api/support/ems/events?message.name=wafl.vol.full|monitor.volume.full HTTP/1.1\r\nHost: sim\r\n" + AUTH
                + "Connection: close\r\n\r\n";

        String all = raw(first + chunked + withLength + last); // one connection, all at once

        List<String> statuses = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(all);
        while (m.find()) {
            statuses.add(m.group(1));
        }
        assertThat(statuses).containsExactly("200", "201", "201", "200");
        assertThat(all.substring(all.lastIndexOf("\r\n\r\n") + 4)).contains("\"num_records\":2");
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    @Test
    void httpsStillWorksThroughTheFront() throws Exception {
        Path keystore = dir.resolve("sim.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "sim", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        try (OntapSimulator tls = OntapSimulator.builder().tls(keystore, "changeit".toCharArray()).build().start()) {
            assertThat(tls.baseUrl()).startsWith("https://127.0.0.1:");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
                ks.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", tls.port());
            String r = exchange(s, "GET /api/support/ems/events?message.name=wafl.vol.full|monitor.volume.full HTTP/1.1\r\n"
                    + "Host: sim\r\n" + AUTH + "Connection: close\r\n\r\n");
            assertThat(r).startsWith("HTTP/1.1 200");

            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
            var res = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(tls.baseUrl().replace("127.0.0.1", "localhost")
                    + "/_simulator/stats")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void legalTargetsAreLeftAsTheyAre() {
        assertThat(RequestLineFront.encodeIllegal("/api/x?a=%7C&b=[1]&c=*")).isEqualTo("/api/x?a=%7C&b=[1]&c=*");
        assertThat(RequestLineFront.encodeIllegal("/api/x?a=b|c&d=%g1")).isEqualTo("/api/x?a=b%7Cc&d=%25g1");
    }
}

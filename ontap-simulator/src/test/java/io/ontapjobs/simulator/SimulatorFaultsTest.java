package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.simulator.SimClient.Res;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatorFaultsTest {
    private OntapSimulator sim;
    private SimClient client;

    @BeforeEach
    void start() {
        sim = OntapSimulator.builder().build().start();
        client = new SimClient(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void statusFaultWithRetryAfterThenNormal() throws Exception {
        String uuid = client.start("/api/storage/volumes", "{}");
        sim.addFault(Fault.on("GET", "/api/cluster/jobs*").status(503).retryAfter(Duration.ofSeconds(1)).times(2).build());
        for (int i = 0; i < 2; i++) {
            Res r = client.get("/api/cluster/jobs/" + uuid);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("1");
            assertThat(r.json().path("error").path("code").asText()).isEqualTo("503");
            assertThat(r.header("Content-Type")).isEqualTo("application/hal+json");
        }
        assertThat(client.get("/api/cluster/jobs/" + uuid).status()).isEqualTo(200);
        // other methods / paths are not affected
        assertThat(sim.stats().faultsInjected()).isEqualTo(2);
    }

    @Test
    void statusFaultAppliesBeforeAuth() throws Exception {
        sim.addFault(Fault.on("*", "/api/*").status(429).error(2621573, "configuration temporarily locked").times(1).build());
        Res r = new SimClient(sim).noAuth().post("/api/storage/volumes", "{}");
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.errorCode()).isEqualTo("2621573");
        assertThat(r.header("Retry-After")).isNull();
        assertThat(sim.stats().unauthorized()).isZero();
        assertThat(new SimClient(sim).noAuth().post("/api/storage/volumes", "{}").status()).isEqualTo(401);
    }

    @Test
    void dropClosesTheConnectionWithoutAnswer() throws Exception {
        sim.addFault(Fault.on("POST", "/api/*").drop().build());
        assertThatThrownBy(() -> client.post("/api/storage/volumes", "{}")).isInstanceOf(IOException.class);
        assertThat(sim.jobCount()).isZero();
        // a raw socket sees the connection closed with no byte at all
        try (Socket s = new Socket("127.0.0.1", sim.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("POST /api/storage/volumes HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        sim.clearFaults();
        assertThat(client.post("/api/storage/volumes", "{}").status()).isEqualTo(202);
    }

    @Test
    void dropOnceThenNormal() throws Exception {
        sim.addFault(Fault.on("*", "/api/*").drop().times(1).build());
        assertThatThrownBy(() -> client.post("/api/storage/volumes", "{}")).isInstanceOf(IOException.class);
        assertThat(client.post("/api/storage/volumes", "{}").status()).isEqualTo(202);
        assertThat(sim.stats().faultsInjected()).isEqualTo(1);
    }

    @Test
    void truncateSendsHalfTheBody() throws Exception {
        String uuid = client.start("/api/storage/volumes", "{}");
        sim.addFault(Fault.on("GET", "/api/cluster/jobs/*").truncate().build());
        assertThatThrownBy(() -> client.get("/api/cluster/jobs/" + uuid)).isInstanceOf(IOException.class);
        try (Socket s = new Socket("127.0.0.1", sim.port())) {
            s.setSoTimeout(5000);
            String auth = java.util.Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(("GET /api/cluster/jobs/" + uuid + " HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            String headers = answer.substring(0, split).toLowerCase();
            String body = answer.substring(split + 4);
            assertThat(headers).startsWith("http/1.1 200");
            long declared = Long.parseLong(headers.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
            assertThat(body.length()).isEqualTo(declared / 2);
        }
        sim.clearFaults();
        assertThat(client.get("/api/cluster/jobs/" + uuid).status()).isEqualTo(200);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    @Test
    void latencyDelaysANormalAnswer() throws Exception {
        sim.addFault(Fault.on("GET", "/api/cluster/jobs").latency(Duration.ofMillis(300)).times(1).build());
        long t0 = System.nanoTime();
        Res r = client.get("/api/cluster/jobs");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo(200);
        assertThat(tookMs).isGreaterThanOrEqualTo(300);
        long t1 = System.nanoTime();
        assertThat(client.get("/api/cluster/jobs").status()).isEqualTo(200);
        assertThat((System.nanoTime() - t1) / 1_000_000).isLessThan(300);
    }

    @Test
    void probabilityIsSeededAndPartial() throws Exception {
        sim.addFault(Fault.on("GET", "/api/cluster/jobs").status(500).probability(0.5).build());
        int failed = 0;
        for (int i = 0; i < 40; i++) {
            if (client.get("/api/cluster/jobs").status() == 500) {
                failed++;
            }
        }
        assertThat(failed).isBetween(5, 35);
        assertThat(sim.stats().faultsInjected()).isEqualTo(failed);
    }
}

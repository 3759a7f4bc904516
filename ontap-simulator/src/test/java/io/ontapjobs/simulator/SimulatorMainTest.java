package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's own entry point: what a user of the ontap-simulator artifact runs without the service. */
class SimulatorMainTest {

    @Test
    void startsOnTheGivenPortWithThePasswordFromTheEnvironment() throws Exception {
        try (OntapSimulator sim = SimulatorMain.start(new String[] {"--port", "0", "--user", "ops", "--password-env", "SIM_PW"},
                Map.of("SIM_PW", "s3cret")::get)) {
            HttpClient http = HttpClient.newHttpClient();
            String login = Base64.getEncoder().encodeToString("ops:s3cret".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/cluster/jobs"))
                    .header("Authorization", "Basic " + login).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/cluster/jobs"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:netapp1!".getBytes(StandardCharsets.UTF_8)))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(wrong.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void mistakesAreOneLineNamingTheOptionAndNeverEchoAStrayValue() {
        assertThatThrownBy(() -> SimulatorMain.start(new String[] {"--port", "99999"}, k -> null))
                .isInstanceOf(SimulatorMain.UsageException.class).hasMessage("--port: '99999' is not a port number (0-65535)");
        assertThatThrownBy(() -> SimulatorMain.start(new String[] {"--password", "hunter2"}, k -> null))
                .isInstanceOf(SimulatorMain.UsageException.class).hasMessageStartingWith("unknown option --password ")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> SimulatorMain.start(new String[] {"--password-env", "NOPE"}, k -> null))
                .hasMessage("--password-env: the environment variable NOPE is not set");
        assertThatThrownBy(() -> SimulatorMain.start(new String[] {"--retention"}, k -> null))
                .hasMessage("--retention: a value is missing");
    }

    @Test
    void aPortInUseIsAUsageMistakeNamingTheOption() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> SimulatorMain.start(new String[] {"--port", String.valueOf(taken.getLocalPort())}, k -> null))
                    .isInstanceOf(SimulatorMain.UsageException.class)
                    .hasMessageStartingWith("--port: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}

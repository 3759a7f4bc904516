package io.ontapjobs.simulator.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.simulator.Fault;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/** The extension as a user sees it: injected handles, the annotation's scenario file, a clean simulator per test. */
@OntapSimulatorTest(username = "tester", password = "s3cret", scenarios = "simulator/junit-scenarios.yaml")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OntapSimulatorExtensionTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    private final SimulatorEndpoint fromConstructor;

    OntapSimulatorExtensionTest(SimulatorEndpoint endpoint) {
        this.fromConstructor = endpoint;
    }

    static HttpResponse<String> send(SimulatorEndpoint ep, String method, String path, String user, String password) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(ep.url() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}"))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(SimulatorEndpoint ep, String method, String path) throws Exception {
        return send(ep, method, path, ep.username(), ep.password());
    }

    @Test
    @Order(1)
    void injectsTheSimulatorAndItsEndpointIntoMethodsAndConstructors(OntapSimulator sim, SimulatorEndpoint ep) throws Exception {
        assertThat(ep.url()).isEqualTo(sim.baseUrl()).startsWith("http://127.0.0.1:");
        assertThat(sim.port()).isPositive();
        assertThat(ep.username()).isEqualTo("tester");
        assertThat(ep.password()).isEqualTo("s3cret");
        assertThat(fromConstructor).isEqualTo(ep);
        assertThat(ep.toString()).doesNotContain("s3cret");
        // the annotation's credentials are the simulator's
        assertThat(send(ep, "GET", "/api/cluster/jobs").statusCode()).isEqualTo(200);
        assertThat(send(ep, "GET", "/api/cluster/jobs", "admin", "netapp1!").statusCode()).isEqualTo(401);
        // not asked to: cluster default left alone
        assertThat(System.getProperty(OntapSimulatorExtension.URL_PROPERTY)).isNotEqualTo(ep.url());
    }

    @Test
    @Order(2)
    void appliesTheAnnotationsScenarioFile(SimulatorEndpoint ep) throws Exception {
        assertThat(send(ep, "POST", "/api/protocols/nfs/export-policies").statusCode()).isEqualTo(201);
        HttpResponse<String> refused = send(ep, "POST", "/api/storage/luns");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("duplicate entry");
        assertThat(send(ep, "GET", "/api/svm/svms").body()).contains("vs7");
    }

    @Test
    @Order(3)
    void aTestChangesRulesAndCounters(OntapSimulator sim, SimulatorEndpoint ep) throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/protocols/nfs/export-policies").synchronous(200).build());
        sim.addFault(Fault.on("GET", "/api/storage/qtrees").status(503).build());
        assertThat(send(ep, "POST", "/api/protocols/nfs/export-policies").statusCode()).isEqualTo(200);
        assertThat(send(ep, "GET", "/api/storage/qtrees").statusCode()).isEqualTo(503);
        assertThat(sim.stats().triggers()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void theNextTestFindsTheAnnotationsRulesAndZeroCounters(OntapSimulator sim, SimulatorEndpoint ep) throws Exception {
        assertThat(sim.stats().triggers()).isZero();
        assertThat(sim.stats().faultsInjected()).isZero();
        assertThat(send(ep, "GET", "/api/storage/qtrees").statusCode()).isEqualTo(200);
        // the previous test's override is gone, the file's scenario is back
        assertThat(send(ep, "POST", "/api/protocols/nfs/export-policies").statusCode()).isEqualTo(201);
        assertThat(send(ep, "POST", "/api/storage/luns").statusCode()).isEqualTo(409);
    }

    // ------------------------------------------------------------------ whole classes run through the launcher

    private static final String SAMPLE = "ontap.junit-ext.sample";
    static final List<OntapSimulator> SEEN = new ArrayList<>();
    static final List<Integer> PORTS = new ArrayList<>();
    static final List<String> EXPOSED = new ArrayList<>();

    /** The sample classes below only run when this test launches them, not on their own. */
    static class OnlyWhenLaunched implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(SAMPLE).isPresent()
                    ? ConditionEvaluationResult.enabled("launched by OntapSimulatorExtensionTest")
                    : ConditionEvaluationResult.disabled("a sample for OntapSimulatorExtensionTest");
        }
    }

    @ExtendWith(OnlyWhenLaunched.class)
    @OntapSimulatorTest(exposeAsClusterDefault = true)
    static class OnePerClassSample {
        @Test
        void first(OntapSimulator sim, SimulatorEndpoint ep) {
            SEEN.add(sim);
            PORTS.add(sim.port());
            EXPOSED.add(System.getProperty(OntapSimulatorExtension.URL_PROPERTY) + " " + System.getProperty(OntapSimulatorExtension.PASSWORD_PROPERTY));
            assertThat(ep.url()).isEqualTo(sim.baseUrl());
        }

        @Test
        void second(OntapSimulator sim) {
            SEEN.add(sim);
            PORTS.add(sim.port());
        }
    }

    @ExtendWith(OnlyWhenLaunched.class)
    @OntapSimulatorTest(perMethod = true)
    static class PerMethodSample {
        private final OntapSimulator fromConstructor;

        PerMethodSample(OntapSimulator sim) {
            this.fromConstructor = sim;
        }

        @Test
        void first(OntapSimulator sim) {
            assertThat(sim).isSameAs(fromConstructor);
            SEEN.add(sim);
            PORTS.add(sim.port());
        }

        @Test
        void second(OntapSimulator sim) {
            assertThat(sim).isSameAs(fromConstructor);
            SEEN.add(sim);
            PORTS.add(sim.port());
        }
    }

    private static TestExecutionSummary launch(Class<?> sample) {
        SEEN.clear();
        PORTS.clear();
        EXPOSED.clear();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(sample))
                .configurationParameter(SAMPLE, "true")
                .build(), listener);
        TestExecutionSummary summary = listener.getSummary();
        assertThat(summary.getFailures()).as("failures of %s", sample.getSimpleName())
                .extracting(f -> f.getException().toString()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
        return summary;
    }

    private static void assertClosed(int port) {
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void oneSimulatorPerClassIsClosedAfterTheClassAndTheClusterPropertiesRestored() {
        String before = System.getProperty(OntapSimulatorExtension.URL_PROPERTY);
        System.setProperty(OntapSimulatorExtension.URL_PROPERTY, "http://before.example");
        try {
            launch(OnePerClassSample.class);
            assertThat(SEEN).hasSize(2);
            assertThat(SEEN.get(0)).isSameAs(SEEN.get(1));
            int port = PORTS.get(0);
            assertThat(EXPOSED).containsExactly("http://127.0.0.1:" + port + " netapp1!");
            assertClosed(port);
            assertThat(System.getProperty(OntapSimulatorExtension.URL_PROPERTY)).isEqualTo("http://before.example");
            assertThat(System.getProperty(OntapSimulatorExtension.PASSWORD_PROPERTY)).isNull();
        } finally {
            if (before == null) {
                System.clearProperty(OntapSimulatorExtension.URL_PROPERTY);
            } else {
                System.setProperty(OntapSimulatorExtension.URL_PROPERTY, before);
            }
        }
    }

    @Test
    void perMethodGivesEachTestItsOwnSimulatorClosedAfterIt() {
        launch(PerMethodSample.class);
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get(0)).isNotSameAs(SEEN.get(1));
        PORTS.forEach(OntapSimulatorExtensionTest::assertClosed);
    }
}

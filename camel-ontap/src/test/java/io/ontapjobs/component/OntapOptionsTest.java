package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.operation.InMemoryOperationRepository;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.operation.NotAllowedException;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.OntapSimulator;
import io.ontapjobs.simulator.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.util.URISupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The component's options as Camel components have them: set on the component ({@code camel.component.ontap.*})
 * or the endpoint, clusters defined by them, the operation chosen by option or header, header overrides and what
 * refuses them, secrets kept out of sight, and the metadata tooling reads. Against the simulator over real HTTP.
 */
class OntapOptionsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String POLICIES = """
            policies:
              default:
                poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0.1}
                timeout: 20s
            """;
    static OntapSimulator sim;
    private final List<CamelContext> contexts = new ArrayList<>();

    @BeforeAll
    static void startSimulator() {
        sim = OntapSimulator.builder().port(0).build().start();
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @BeforeEach
    void resetSimulator() {
        sim.clearScenarios();
        sim.clearFaults();
        sim.stats().reset();
        sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(50)).build());
    }

    @AfterEach
    void stopContexts() throws Exception {
        for (CamelContext c : contexts) {
            c.stop();
        }
    }

    /** A context with the component as given, the test policies, started. */
    private CamelContext camel(OntapComponent ontap) throws Exception {
        CamelContext context = new DefaultCamelContext();
        ontap.setPolicies(Policies.parse(POLICIES, "test-policies.yaml"));
        context.addComponent("ontap", ontap);
        context.start();
        contexts.add(context);
        return context;
    }

    /** A component whose options define every cluster its endpoints name as the simulator. */
    private static OntapComponent onTheSimulator() {
        OntapComponent ontap = new OntapComponent();
        ontap.getConfiguration().setUrl(sim.baseUrl());
        ontap.getConfiguration().setPassword("netapp1!");
        return ontap;
    }

    private static Exchange send(ProducerTemplate template, String uri, Map<String, Object> headers, String body) {
        return template.send(uri, x -> {
            x.getIn().setHeaders(new java.util.HashMap<>(headers));
            x.getIn().setBody(body);
        });
    }

    private static Main main(Map<String, String> properties) {
        Main main = new Main();
        properties.forEach(main::addInitialProperty);
        // the built-in policy polls from 1 s on: quicker here, with the component's option policiesFile
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("test-policies", ".yaml");
            file.toFile().deleteOnExit();
            java.nio.file.Files.writeString(file, POLICIES);
            main.addInitialProperty("camel.component.ontap.policiesFile", file.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:create").to("ontap:default?method=POST&path=/api/storage/volumes");
            }
        });
        return main;
    }

    private static ListAppender<ILoggingEvent> capture(String logger) {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(logger)).addAppender(logs);
        return logs;
    }

    private static void release(String logger, ListAppender<ILoggingEvent> logs) {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(logger)).detachAppender(logs);
    }

    @Test
    void theUserAgentNamesTheCallerToOntapAndDefaultsToTheProduct() throws Exception {
        Main main = main(Map.of("camel.component.ontap.url", sim.baseUrl(), "camel.component.ontap.password", "netapp1!",
                "camel.component.ontap.user-agent", "ontap-jobs/9.9 (replica-7)"));
        main.start();
        try {
            Exchange e = main.getCamelContext().createProducerTemplate().send("direct:create", x -> x.getIn().setBody("{\"name\":\"ua\"}"));
            assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
            String job = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
            // the trigger and the polls of its job, as ONTAP's audit log (and the simulator's poll log) would show them
            assertThat(sim.clients()).contains("ontap-jobs/9.9 (replica-7) | " + io.ontapjobs.ontap.Version.userAgent());
            assertThat(sim.jobPolls()).filteredOn(p -> p.uuids().contains(job)).isNotEmpty()
                    .allSatisfy(p -> assertThat(p.userAgent()).isEqualTo("ontap-jobs/9.9 (replica-7)"));
        } finally {
            main.stop();
        }

        CamelContext context = camel(onTheSimulator());
        Exchange e = send(context.createProducerTemplate(), "ontap:default?method=POST&path=/api/storage/volumes", Map.of(), "{}");
        String job = e.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        assertThat(sim.jobPolls()).filteredOn(p -> p.uuids().contains(job)).isNotEmpty()
                .allSatisfy(p -> assertThat(p.userAgent()).isEqualTo(io.ontapjobs.ontap.Version.userAgent()));
    }

    @Test
    void componentOptionsGivenAsCamelPropertiesDefineTheCluster() throws Exception {
        Main main = main(Map.of(
                "camel.component.ontap.url", sim.baseUrl(),
                "camel.component.ontap.username", "admin",
                "camel.component.ontap.password", "netapp1!",
                "camel.component.ontap.requestTimeout", "5s"));
        main.start();
        try {
            CamelContext context = main.getCamelContext();
            assertThat(context.getPropertiesComponent().loadProperties(k -> k.startsWith("ontap.clusters."))).isEmpty();

            Exchange e = context.createProducerTemplate().send("direct:create", x -> x.getIn().setBody("{\"name\":\"vol1\"}"));

            assertThat(e.getException()).isNull();
            assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
            OntapComponent ontap = context.getComponent("ontap", OntapComponent.class);
            assertThat(ontap.clusterConfig("default").url().toString()).isEqualTo(sim.baseUrl());
            assertThat(ontap.clusterConfig("default").requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        } finally {
            main.stop();
        }
    }

    @Test
    void theComponentReadsNoOntapClustersPropertiesAndADoubleDefinitionStopsTheContext() throws Exception {
        // ontap.clusters.* is the ontap-jobs service's configuration, not the component's: nothing here reads it
        Main main = main(Map.of(
                "ontap.clusters.default.url", "http://127.0.0.1:9",
                "ontap.clusters.default.password", "not-this-one",
                "camel.component.ontap.url", sim.baseUrl(),
                "camel.component.ontap.password", "netapp1!"));
        main.start();
        try {
            CamelContext context = main.getCamelContext();
            Exchange e = context.createProducerTemplate().send("direct:create", x -> x.getIn().setBody("{\"name\":\"vol1\"}"));
            assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
            assertThat(context.getComponent("ontap", OntapComponent.class).clusterConfig("default").url().toString())
                    .isEqualTo(sim.baseUrl());
        } finally {
            main.stop();
        }

        // the component's options and a ClusterConfig for the same name: never one silently over the other
        OntapComponent ontap = onTheSimulator();
        ontap.addCluster(io.ontapjobs.ontap.ClusterConfig.of("default", "http://127.0.0.1:9", "admin", "x"));
        CamelContext context = new DefaultCamelContext();
        context.addComponent("ontap", ontap);
        contexts.add(context);
        assertThatThrownBy(context::start).hasStackTraceContaining("cluster 'default' is defined twice: by the option url ("
                + sim.baseUrl()).hasStackTraceContaining("and by a ClusterConfig (addCluster or a registry bean");
    }

    @Test
    void aClusterConfigBeanDefinesAClusterAndRoutesNamingAnUnknownOneDoNotStart() throws Exception {
        CamelContext context = new DefaultCamelContext();
        context.getRegistry().bind("lab", io.ontapjobs.ontap.ClusterConfig.of("lab", sim.baseUrl(), "admin", "netapp1!"));
        OntapComponent ontap = new OntapComponent();
        ontap.setPolicies(Policies.parse(POLICIES, "test-policies.yaml"));
        context.addComponent("ontap", ontap);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:lab").to("ontap:lab?method=POST&path=/api/storage/volumes");
            }
        });
        context.start();
        contexts.add(context);
        Exchange e = context.createProducerTemplate().send("direct:lab", x -> x.getIn().setBody("{}"));
        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");

        assertThatThrownBy(() -> context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:typo").to("ontap:labb?method=POST&path=/api/storage/volumes");
            }
        })).hasStackTraceContaining("ontap:labb: unknown cluster 'labb' (configured: lab; define it with the option url");

        // the component's url is cluster default's only: another name at that address is a mistake, found at start
        OntapComponent single = onTheSimulator();
        single.setPolicies(Policies.parse(POLICIES, "test-policies.yaml"));
        CamelContext other = new DefaultCamelContext();
        other.addComponent("ontap", single);
        other.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:typo").to("ontap:defualt?method=POST&path=/api/storage/volumes");
            }
        });
        contexts.add(other);
        assertThatThrownBy(other::start).hasStackTraceContaining("unknown cluster 'defualt' (configured: default;");
    }

    @Test
    void aUrlWithAPathIsRefusedNamingTheOption() throws Exception {
        OntapComponent ontap = new OntapComponent();
        CamelContext context = camel(ontap);
        assertThatThrownBy(() -> context.getEndpoint("ontap:lab?url=" + sim.baseUrl() + "/api&password=x"))
                .hasMessageContaining("option url: holds more than the cluster's address (the path /api)");
        assertThatThrownBy(() -> io.ontapjobs.ontap.ClusterConfig.of("lab", "http://127.0.0.1:9/api", "admin", "x"))
                .isInstanceOf(io.ontapjobs.ontap.ClusterConfig.InvalidSetting.class)
                .hasMessageStartingWith("cluster 'lab': url holds more than the cluster's address");
    }

    @Test
    void endpointOptionsOverrideTheComponentsWithoutChangingThem() throws Exception {
        OntapComponent ontap = onTheSimulator();
        ontap.getConfiguration().setPassword("wrong");
        ontap.getConfiguration().setOperation(OntapOperation.trigger);
        ProducerTemplate template = camel(ontap).createProducerTemplate();

        Exchange componentsOptions = template.send("ontap:default?method=POST&path=/api/storage/volumes", x -> x.getIn().setBody("{}"));
        Exchange endpointsOptions = template.send("ontap:lab2?url=" + sim.baseUrl() + "&password=netapp1!&operation=run"
                + "&method=POST&path=/api/storage/volumes&query.return_records=false", x -> x.getIn().setBody("{}"));

        // the component's: trigger only, with its wrong password
        assertThat(componentsOptions.getMessage().getHeader(OntapConstants.HTTP_STATUS)).isEqualTo(401);
        assertThat(componentsOptions.getMessage().getHeader(OntapConstants.STATUS)).isNull();
        // the endpoint's: run, with its password
        assertThat(endpointsOptions.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(ontap.getConfiguration().getPassword()).isEqualTo("wrong");
        assertThat(ontap.getConfiguration().getOperation()).isEqualTo(OntapOperation.trigger);
        assertThat(ontap.getConfiguration().getQuery()).isEmpty();
    }

    @Test
    void aClusterHasOneDefinitionAndConnectionOptionsNeedAUrl() throws Exception {
        OntapComponent ontap = new OntapComponent();
        ontap.addCluster(io.ontapjobs.ontap.ClusterConfig.of("busy", sim.baseUrl(), "admin", "netapp1!"));
        CamelContext context = camel(ontap);
        String prod = "ontap:prod?url=" + sim.baseUrl() + "&password=netapp1!";
        context.getEndpoint(prod + "&method=POST&path=/api/storage/volumes");
        context.getEndpoint(prod + "&operation=read&path=/api/storage/volumes"); // the same definition: fine

        assertThatThrownBy(() -> context.getEndpoint("ontap:prod?url=http://127.0.0.1:9&password=netapp1!"))
                .hasMessageContaining("option url: another endpoint defines cluster 'prod' with a different url");
        assertThatThrownBy(() -> context.getEndpoint("ontap:prod?url=" + sim.baseUrl() + "&password=other-one"))
                .hasMessageContaining("option password: another endpoint defines cluster 'prod'");
        // a password alone must not be taken for a cluster configured elsewhere
        assertThatThrownBy(() -> context.getEndpoint("ontap:staging?password=netapp1!"))
                .hasMessageContaining("option password: set, but url is not");
        assertThatThrownBy(() -> context.getEndpoint("ontap:bad?url=" + sim.baseUrl() + "&maxConcurrentRequests=0"))
                .hasMessageContaining("option maxConcurrentRequests");
        assertThatThrownBy(() -> context.getEndpoint("ontap:prod?returnTimeout=121")).hasMessageContaining("option returnTimeout");
        assertThatThrownBy(() -> context.getEndpoint("ontap:prod?timeout=31d")).hasMessageContaining("option timeout");
        // a cluster added as a ClusterConfig keeps its one definition
        assertThatThrownBy(() -> context.getEndpoint("ontap:busy?url=http://127.0.0.1:9"))
                .hasMessageContaining("cluster 'busy' is defined twice");
        assertThat(ontap.clusterNames()).containsExactlyInAnyOrder("prod", "busy");
    }

    @Test
    void aClusterARouteDefinesIsKnownWhenUnfinishedOperationsAreTakenUp() throws Exception {
        // left by an earlier run of the application: recorded, never sent
        InMemoryOperationRepository repository = new InMemoryOperationRepository();
        OperationRequest request = new OperationRequest("left-over", "lab", "POST", "/api/storage/volumes", Map.of(), null, null, null, null);
        repository.insert(request.id(), request.cluster(), request.toJson(), java.time.Instant.now());
        OntapComponent ontap = new OntapComponent();
        ontap.setOperationRepository(repository);
        ontap.setPolicies(Policies.parse(POLICIES, "test-policies.yaml"));
        CamelContext context = new DefaultCamelContext();
        context.addComponent("ontap", ontap);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:lab").to("ontap:lab?url=" + sim.baseUrl() + "&password=netapp1!&method=POST&path=/api/storage/volumes");
            }
        });

        context.start();
        contexts.add(context);

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> repository.find("left-over").orElseThrow().status().equals("succeeded"));
        assertThat(sim.stats().triggers()).isEqualTo(1);
    }

    @Test
    void durationOptionsTakeCamelsDurationText() throws Exception {
        OntapComponent ontap = onTheSimulator();
        CamelContext context = camel(ontap);
        OntapEndpoint endpoint = context.getEndpoint("ontap:default?method=POST&path=/api/storage/volumes&timeout=5s"
                + "&unreachableAfter=1m30s", OntapEndpoint.class);

        Exchange e = context.createProducerTemplate().send(endpoint, x -> {
            x.getIn().setHeader(OntapConstants.OPERATION_ID, "five-seconds");
            x.getIn().setBody("{}");
        });

        assertThat(endpoint.getConfiguration().getTimeout()).isEqualTo(5000);
        assertThat(ontap.clusterConfig("default").unreachableAfter()).isEqualTo(Duration.ofSeconds(90));
        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        JsonNode stored = JSON.readTree(ontap.getOperationRepository().find("five-seconds").orElseThrow().request());
        assertThat(stored.get("timeout").asText()).isEqualTo("5s");
    }

    @Test
    void theOntapOperationHeaderChoosesTheOperationOfOneMessage() throws Exception {
        sim.addScenario(Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().build());
        ProducerTemplate template = camel(onTheSimulator()).createProducerTemplate();
        String volumes = "ontap:default?method=POST&path=/api/storage/volumes";
        String transfers = "ontap:default?method=POST&path=/api/snapmirror/relationships/r1/transfers";

        Exchange run = send(template, volumes, Map.of(), "{\"name\":\"by-header\"}");
        Exchange read = send(template, volumes, Map.of(OntapConstants.OPERATION, "read"), null);
        Exchange trigger = send(template, transfers, Map.of(OntapConstants.OPERATION, "trigger"), "{}");
        String job = trigger.getMessage().getHeader(OntapConstants.JOB_UUID, String.class);
        Exchange pause = send(template, transfers, Map.of(OntapConstants.OPERATION, "pause", OntapConstants.JOB_UUID, job), null);
        String paused = sim.job(job).orElseThrow().get("state").asText();
        Exchange resume = send(template, transfers, Map.of(OntapConstants.OPERATION, "resume", OntapConstants.JOB_UUID, job), null);
        Exchange cancel = send(template, transfers, Map.of(OntapConstants.OPERATION, "cancel", OntapConstants.JOB_UUID, job), null);

        assertThat(run.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        List<Object> names = new ArrayList<>();
        read.getMessage().getBody(List.class).forEach(r -> names.add(((Map<?, ?>) r).get("name")));
        assertThat(names).contains("by-header");
        assertThat(trigger.getMessage().getHeader(OntapConstants.JOB_UUIDS, List.class)).containsExactly(job);
        assertThat(pause.getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).isEqualTo(true);
        assertThat(paused).isEqualTo("paused");
        assertThat(resume.getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).isEqualTo(true);
        assertThat(cancel.getMessage().getHeader(OntapConstants.ACTION_ACCEPTED)).isEqualTo(true);

        // a word compared exactly, never resolved; nothing is sent for it
        sim.stats().reset();
        for (Object word : List.of("Run", "run ", "${header.x}", "{{ontap.x}}", "delete", 1)) {
            Exchange refused = send(template, volumes, Map.of(OntapConstants.OPERATION, word), "{}");
            assertThat(refused.getException()).as(String.valueOf(word)).isInstanceOf(InvalidRequestException.class)
                    .hasMessageStartingWith("CamelOntapOperation: not one of run, trigger, read, cancel, pause, resume");
        }
        assertThat(sim.stats().total()).isZero();
    }

    @Test
    void headersChangeMethodAndPathOfAnEndpointWithAPath() throws Exception {
        sim.addScenario(Scenario.on("DELETE", "/api/storage/volumes/*").duration(Duration.ofMillis(50))
                .fails(917, "deleted by header").build());
        ProducerTemplate template = camel(onTheSimulator()).createProducerTemplate();

        Exchange e = send(template, "ontap:default?method=POST&path=/api/storage/volumes",
                Map.of(OntapConstants.METHOD, "DELETE", OntapConstants.PATH, "/api/storage/volumes/abc"), null);

        // the DELETE scenario answered: the headers' method and path were sent
        assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("failed");
        assertThat(e.getMessage().getHeader(OntapConstants.JOB_CODE)).isEqualTo("917");
    }

    @Test
    void ontapQueryHeadersAddParametersAsDataNeverAsMoreParameters() throws Exception {
        ProducerTemplate template = camel(onTheSimulator()).createProducerTemplate();
        String create = "ontap:default?method=POST&path=/api/storage/volumes";
        for (String name : List.of("q-a", "q-b")) {
            assertThat(send(template, create, Map.of(), "{\"name\":\"" + name + "\"}").getMessage().getHeader(OntapConstants.STATUS))
                    .isEqualTo("succeeded");
        }
        String read = "ontap:default?operation=read&path=/api/storage/volumes&query.fields=name";

        List<?> one = send(template, read, Map.of("CamelOntapQuery.name", "q-a"), null).getMessage().getBody(List.class);
        // an '&' in the value is part of the name asked for, not a second parameter
        List<?> none = send(template, read, Map.of("CamelOntapQuery.name", "q-a&name=q-b"), null).getMessage().getBody(List.class);
        List<?> replaced = send(template, "ontap:default?operation=read&path=/api/storage/volumes&query.name=q-a",
                Map.of("CamelOntapQuery.name", "q-b"), null).getMessage().getBody(List.class);

        assertThat(one).hasSize(1);
        assertThat(((Map<?, ?>) one.get(0)).get("name")).isEqualTo("q-a");
        assertThat(none).isEmpty();
        assertThat(((Map<?, ?>) replaced.get(0)).get("name")).isEqualTo("q-b");
        sim.stats().reset();
        assertThat(send(template, read, Map.of("CamelOntapQuery.name", List.of("q-a", "q-b")), null).getException())
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("CamelOntapQuery.name: must be a string");
        assertThat(send(template, read, Map.of("CamelOntapQuery.name&x", "q-a"), null).getException())
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("CamelOntapQuery.*: a header's parameter name");
        assertThat(send(template, "ontap:default", Map.of("CamelOntapQuery.name", "q-a"),
                "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}").getException())
                .hasMessageStartingWith("CamelOntapQuery.name: only for an endpoint with the option path");
        assertThat(sim.stats().total()).isZero();
    }

    @Test
    void badHeaderValuesAreRefusedNamingTheHeaderBeforeAnythingIsSent() throws Exception {
        ProducerTemplate template = camel(onTheSimulator()).createProducerTemplate();
        String run = "ontap:default?method=POST&path=/api/storage/volumes";
        String read = "ontap:default?operation=read&path=/api/storage/volumes";
        Consumer<Exchange> refused = x -> assertThat(x.getException()).isInstanceOf(InvalidRequestException.class);

        for (String path : List.of("/api/storage/../security/accounts", "/api/storage/volumes/%2e%2e", "/api/storage/volumes?x=1",
                "/api/storage/volumes#x", "/api/storage/volumes/a\nb", "/api/storage//volumes", "api/storage/volumes",
                "/api/cluster/jobs/1", "{{ontap.clusters.default.password}}", "/api/storage/${header.x}")) {
            Exchange x = send(template, run, Map.of(OntapConstants.PATH, path), "{}");
            assertThat(x).satisfies(refused);
            assertThat(x.getException()).as(path).hasMessageStartingWith("CamelOntapPath:");
        }
        for (String method : List.of("GET", "PUT", "post", "POST ", "OPTIONS")) {
            Exchange x = send(template, run, Map.of(OntapConstants.METHOD, method), "{}");
            assertThat(x).satisfies(refused);
            assertThat(x.getException()).as(method).hasMessageStartingWith("CamelOntapMethod: not POST, PATCH or DELETE");
        }
        assertThat(send(template, read, Map.of(OntapConstants.METHOD, "POST"), null).getException())
                .hasMessageStartingWith("CamelOntapMethod: operation read sends GET only");
        assertThat(send(template, read, Map.of(OntapConstants.PATH, "/api/../security/accounts"), null).getException())
                .hasMessageStartingWith("CamelOntapPath:");
        assertThat(send(template, run, Map.of(OntapConstants.PATH, List.of("/api/storage/volumes")), "{}").getException())
                .hasMessageStartingWith("CamelOntapPath: must be a string");
        // a request document names its own method and path
        assertThat(send(template, "ontap:default", Map.of(OntapConstants.PATH, "/api/storage/volumes"),
                "{\"method\":\"POST\",\"path\":\"/api/storage/volumes\"}").getException())
                .hasMessageStartingWith("CamelOntapPath: only for an endpoint with the option path");
        assertThat(send(template, "ontap:default?operation=read", Map.of(), null).getException())
                .hasMessageStartingWith("path: missing");
        assertThat(sim.stats().total()).isZero();
    }

    @Test
    void enforceAllowListAppliesToWhatTheHeadersChoose() throws Exception {
        sim.addScenario(Scenario.on("DELETE", "/api/storage/volumes/*").duration(Duration.ofMillis(50)).build());
        OntapComponent ontap = onTheSimulator();
        ontap.getConfiguration().setAllow("POST /api/storage/volumes");
        ProducerTemplate template = camel(ontap).createProducerTemplate();
        String enforced = "ontap:default?enforceAllowList=true&method=POST&path=/api/storage/volumes";
        Map<String, Object> delete = Map.of(OntapConstants.METHOD, "DELETE", OntapConstants.PATH, "/api/storage/volumes/abc");

        Exchange listed = send(template, enforced, Map.of(), "{}");
        sim.stats().reset();
        Exchange byMethodAndPath = send(template, enforced, delete, null);
        Exchange byPath = send(template, enforced, Map.of(OntapConstants.PATH, "/api/storage/qtrees"), "{}");
        Exchange read = send(template, enforced, Map.of(OntapConstants.OPERATION, "read"), null);
        Exchange cancel = send(template, enforced, Map.of(OntapConstants.OPERATION, "cancel", OntapConstants.JOB_UUID,
                "00000000-0000-0000-0000-000000000000"), null);
        long sentWhileEnforced = sim.stats().total();
        Exchange notEnforced = send(template, "ontap:default?method=POST&path=/api/storage/volumes", delete, null);

        assertThat(listed.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(byMethodAndPath.getException()).isInstanceOf(NotAllowedException.class)
                .hasMessageContaining("DELETE /api/storage/volumes/abc is not allowed on cluster 'default' (the operator's list: the option allow)");
        assertThat(byPath.getException()).isInstanceOf(NotAllowedException.class).hasMessageContaining("POST /api/storage/qtrees");
        assertThat(read.getException()).isInstanceOf(NotAllowedException.class).hasMessageStartingWith("CamelOntapOperation: operation read");
        assertThat(cancel.getException()).isInstanceOf(NotAllowedException.class).hasMessageStartingWith("CamelOntapOperation: operation cancel");
        assertThat(sentWhileEnforced).isZero();
        // the same headers without enforceAllowList: sent (it is the option that refused them)
        assertThat(notEnforced.getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
    }

    @Test
    void secretsAreNeverShown() throws Exception {
        String password = "Pa55-word-7781";
        String truststorePassword = "Tru5t-word-4412";
        ListAppender<ILoggingEvent> logs = capture(org.slf4j.Logger.ROOT_LOGGER_NAME);
        try (OntapSimulator vault = OntapSimulator.builder().port(0).password(password).build().start()) {
            vault.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofMillis(50)).build());
            String uri = "ontap:vault?url=" + vault.baseUrl() + "&password=" + password + "&truststorePassword=" + truststorePassword
                    + "&method=POST&path=/api/storage/volumes";
            CamelContext context = camel(new OntapComponent());
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:vault").to(uri);
                }
            });
            OntapEndpoint endpoint = context.getEndpoint(uri, OntapEndpoint.class);

            Exchange e = context.createProducerTemplate().send("direct:vault", x -> x.getIn().setBody("{}"));
            Exception conflict = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> context.getEndpoint("ontap:vault?url=" + vault.baseUrl() + "&password=" + password + "-other"));

            assertThat(e.getMessage().getHeader(OntapConstants.STATUS)).as("the password was used").isEqualTo("succeeded");
            for (String shown : List.of(endpoint.toString(), URISupport.sanitizeUri(endpoint.getEndpointUri()), conflict.getMessage(),
                    context.getComponent("ontap", OntapComponent.class).clusterConfig("vault").toString())) {
                assertThat(shown).doesNotContain(password).doesNotContain(truststorePassword);
            }
        } finally {
            release(org.slf4j.Logger.ROOT_LOGGER_NAME, logs);
        }
        assertThat(logs.list).isNotEmpty();
        String basic = java.util.Base64.getEncoder().encodeToString(("admin:" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (ILoggingEvent event : logs.list) {
            String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(text).doesNotContain(password).doesNotContain(truststorePassword);
            // Apache HttpClient's own DEBUG loggers of headers and wire show the Authorization header: the doc page says so
            if (!event.getLoggerName().startsWith("org.apache.hc.client5.http.headers") && !event.getLoggerName().startsWith("org.apache.hc.client5.http.wire")) {
                assertThat(text).as(event.getLoggerName()).doesNotContain(basic);
            }
        }
    }

    @Test
    void theGeneratedMetadataIsAsyncTypedAndClean() throws Exception {
        JsonNode schema = JSON.readTree(getClass().getResourceAsStream("/META-INF/io/ontapjobs/component/ontap.json"));

        assertThat(schema.at("/component/async").asBoolean()).isTrue();
        // to("ontap:...") runs operations, from("ontap:...?events=...") consumes EMS events
        assertThat(schema.at("/component/producerOnly").asBoolean()).isFalse();
        assertThat(schema.at("/component/consumerOnly").asBoolean()).isFalse();
        assertThat(schema.at("/properties/events/label").asText()).isEqualTo("consumer");
        assertThat(schema.at("/properties/eventOverlap/type").asText()).isEqualTo("duration");
        assertThat(schema.at("/headers/CamelOntapEventKey/javaType").asText()).isEqualTo("String");
        for (String where : List.of("/properties/", "/componentProperties/")) {
            assertThat(schema.at(where + "password/secret").asBoolean()).as(where).isTrue();
            assertThat(schema.at(where + "truststorePassword/secret").asBoolean()).as(where).isTrue();
            assertThat(schema.at(where + "url/secret").asBoolean()).as(where).isFalse();
            // Camel's form of a duration option: a long of milliseconds that reads "5s" or "10m"
            assertThat(schema.at(where + "timeout/type").asText()).as(where).isEqualTo("duration");
            assertThat(schema.at(where + "requestTimeout/defaultValue").asText()).as(where).isEqualTo("30s");
            assertThat(schema.at(where + "enforceAllowList/type").asText()).as(where).isEqualTo("boolean");
            assertThat(schema.at(where + "operation/defaultValue").asText()).as(where).isEqualTo("run");
        }
        List<String> operations = new ArrayList<>();
        schema.at("/properties/operation/enum").forEach(n -> operations.add(n.asText()));
        assertThat(operations).containsExactly("run", "trigger", "read", "cancel", "pause", "resume");
        assertThat(schema.at("/headers/CamelOntapOperation/javaType").asText()).isEqualTo("String");
        assertThat(schema.at("/headers/CamelOntapPath/description").asText()).isNotBlank();
        assertThat(schema.at("/properties/policiesFile").isMissingNode()).as("a component option only").isTrue();
        List<String> descriptions = new ArrayList<>();
        descriptions.add(schema.at("/component/description").asText());
        for (String section : List.of("componentProperties", "properties", "headers")) {
            schema.get(section).fields().forEachRemaining(f -> {
                assertThat(f.getValue().path("description").asText()).as(section + " " + f.getKey()).isNotBlank();
                if (!f.getKey().equals("lazyStartProducer") && !f.getKey().equals("autowiredEnabled")) {
                    assertThat(f.getValue().path("label").asText()).as(section + " " + f.getKey() + " label").isNotBlank();
                }
                descriptions.add(f.getValue().path("description").asText());
            });
        }
        // what javadoc and annotation text become when they hold markup: "ontap.clusters..url", "cancelpauseresume"
        assertThat(descriptions).allSatisfy(d -> assertThat(d).doesNotContain("..").doesNotContain("<").doesNotContain("|"));
    }
}

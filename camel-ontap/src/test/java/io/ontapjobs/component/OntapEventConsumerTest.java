package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.events.InMemoryEventBookmarks;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.InMemoryOperationRepository;
import io.ontapjobs.operation.OperationRepository;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.EmittedEvent;
import io.ontapjobs.simulator.EmsRequest;
import io.ontapjobs.simulator.Fault;
import io.ontapjobs.simulator.OntapSimulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The EMS consumer against the simulator over real HTTP, on Camel's scheduler with small delays. */
class OntapEventConsumerTest {
    static final String POLICIES = """
            policies:
              default:
                poll: {initial: 50ms, max: 200ms, multiplier: 2.0, jitter: 0}
                timeout: 20s
            """;
    static final Duration WAIT = Duration.ofSeconds(20);

    OntapSimulator sim;
    final List<CamelContext> contexts = new ArrayList<>();
    final List<Exchange> received = new CopyOnWriteArrayList<>();
    final CountingMetrics metrics = new CountingMetrics();
    OntapMetrics componentMetrics = metrics;
    io.ontapjobs.time.VirtualClock virtualClock;
    ListAppender<ILoggingEvent> log;

    @BeforeEach
    void captureLog() {
        log = new ListAppender<>();
        log.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(OntapEventConsumer.class)).addAppender(log);
    }

    @AfterEach
    void stop() throws Exception {
        for (CamelContext c : contexts) {
            c.stop();
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(OntapEventConsumer.class)).detachAppender(log);
        if (sim != null) {
            sim.close();
        }
    }

    OntapSimulator sim(Consumer<OntapSimulator.Builder> b) {
        OntapSimulator.Builder builder = OntapSimulator.builder().port(0);
        b.accept(builder);
        sim = builder.build().start();
        return sim;
    }

    CamelContext start(EventBookmarks marks, OperationRepository repository, RouteBuilder routes) throws Exception {
        CamelContext context = new DefaultCamelContext();
        // the cluster by properties too: a placeholder in event data would find its password
        context.getPropertiesComponent().addInitialProperty("ontap.clusters.default.url", sim.baseUrl());
        context.getPropertiesComponent().addInitialProperty("ontap.clusters.default.password", "netapp1!");
        OntapComponent ontap = new OntapComponent();
        ontap.addCluster(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        ontap.addCluster(ClusterConfig.of("other", sim.baseUrl(), "admin", "netapp1!"));
        ontap.setPolicies(Policies.parse(POLICIES, "test-policies.yaml"));
        ontap.setEventBookmarks(marks);
        ontap.setMetrics(componentMetrics);
        if (virtualClock != null) {
            context.getRegistry().bind("clock", virtualClock);
        }
        if (repository != null) {
            ontap.setOperationRepository(repository);
        }
        context.addComponent("ontap", ontap);
        context.addRoutes(routes);
        context.start();
        contexts.add(context);
        return context;
    }

    /** from(uri) into {@link #received}. */
    RouteBuilder collecting(String uri) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).routeId("ems").process(received::add);
            }
        };
    }

    static final String EVERY = "ontap:default?events=*&delay=100&initialDelay=0";

    OntapEventConsumer consumer(CamelContext context) {
        return (OntapEventConsumer) context.getRoute("ems").getConsumer();
    }

    void awaitPolls(CamelContext context, int more) {
        long from = consumer(context).getSuccessCounter();
        await().atMost(WAIT).until(() -> consumer(context).getSuccessCounter() >= from + more);
    }

    List<String> keys() {
        return received.stream().map(e -> e.getIn().getHeader(OntapConstants.EVENT_KEY, String.class)).toList();
    }

    static String key(EmittedEvent e) {
        return "default/" + e.nodeUuid() + "/" + e.index();
    }

    @Test
    void theFirstStartActsOnNothingOlderAndAnEventIsOneExchangeWithItsHeaders() throws Exception {
        sim(b -> { });
        sim.emitEvent("sim-01", "monitor.volume.full", "alert", Map.of("name", "old1"));
        sim.emitEvent("sim-02", "monitor.volume.full", "alert", Map.of("name", "old2"));
        CamelContext context = start(new InMemoryEventBookmarks(), null, collecting(EVERY));
        awaitPolls(context, 2);

        Map<String, String> params = new LinkedHashMap<>();
        params.put("name", "vol1");
        params.put("percent_full_blocks", "98");
        EmittedEvent e = sim.emitEvent("sim-02", "monitor.volume.full", "alert", params);
        EmittedEvent f = sim.emitEvent("sim-01", "wafl.vol.full", null, Map.of("vol", "vol2"));
        await().atMost(WAIT).until(() -> received.size() >= 2);
        awaitPolls(context, 2);

        assertThat(keys()).as("only what was logged after the start, once each").containsExactly(key(e), key(f));
        var in = received.get(0).getIn();
        assertThat(in.getHeader(OntapConstants.EVENT_NAME)).isEqualTo("monitor.volume.full");
        assertThat(in.getHeader(OntapConstants.EVENT_SEVERITY)).isEqualTo("alert");
        assertThat(in.getHeader(OntapConstants.EVENT_NODE)).isEqualTo("sim-02");
        assertThat(in.getHeader(OntapConstants.EVENT_INDEX)).isEqualTo(e.index());
        assertThat(in.getHeader(OntapConstants.EVENT_TIME)).isInstanceOf(Instant.class);
        assertThat(in.getHeader(OntapConstants.EVENT_PARAMETERS)).isEqualTo(params);
        assertThat(in.getHeader(OntapConstants.CLUSTER)).isEqualTo("default");
        assertThat(in.getBody()).isInstanceOf(Map.class);
        assertThat(((Map<?, ?>) in.getBody()).get("index")).isEqualTo((int) e.index());
        assertThat(((Map<?, ?>) ((Map<?, ?>) in.getBody()).get("message")).get("name")).isEqualTo("monitor.volume.full");
        assertThat(metrics.received.get("default/monitor.volume.full").get()).isEqualTo(1);
        assertThat(log.list).filteredOn(l -> l.getLevel() == Level.INFO && l.getFormattedMessage().startsWith("EMS event " + key(e)))
                .hasSize(1);
    }

    @Test
    void eventsOfTwoNodesWithSkewedClocksAndSharedSecondsAreAllDeliveredOnce() throws Exception {
        sim(b -> b.clockSkew("sim-02", Duration.ofSeconds(-90)));
        CamelContext context = start(new InMemoryEventBookmarks(), null, collecting(
                "ontap:default?events=monitor.volume.*,wafl.vol.full&maxRecords=4&delay=50&initialDelay=0"));
        awaitPolls(context, 1);
        List<String> emitted = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // many per second, alternating between a node on time and one 90 s behind
            emitted.add(key(sim.emitEvent(i % 2 == 0 ? "sim-01" : "sim-02", i % 3 == 0 ? "wafl.vol.full" : "monitor.volume.full",
                    null, Map.of("name", "v" + i))));
            if (i % 7 == 0) {
                awaitPolls(context, 1); // polls in between: their windows overlap
            }
        }
        sim.emitEvent("sim-01", "sms.status.in.sync", null, Map.of()); // not asked for
        await().atMost(WAIT).until(() -> received.size() >= 30);
        awaitPolls(context, 3);
        assertThat(keys()).containsExactlyInAnyOrderElementsOf(emitted).doesNotHaveDuplicates();
        assertThat(sim.emsRequests()).as("pages of 4: _links.next followed").anySatisfy(r -> assertThat(r.uri()).contains("start."));
        // within a node, index order
        for (String node : List.of("sim-01", "sim-02")) {
            List<Long> indexes = received.stream().filter(x -> node.equals(x.getIn().getHeader(OntapConstants.EVENT_NODE)))
                    .map(x -> x.getIn().getHeader(OntapConstants.EVENT_INDEX, Long.class)).toList();
            assertThat(indexes).isSorted();
        }
    }

    @Test
    void onePollIsOneRequestForATwoNodeClusterAndEveryUrlStaysUnder8KiB() throws Exception {
        sim(b -> { });
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < 400; i++) { // ~12 KiB of patterns: two requests of one poll
            names.append(i == 0 ? "" : ",").append("custom.simulated.event").append(i).append(".*");
        }
        EmittedEvent e = sim.emitEvent("sim-02", "custom.simulated.event399.x", null, Map.of());
        EmittedEvent f = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        // three polls each: the first start (the cluster's newest event: one request without filters), then two
        CamelContext context = start(new InMemoryEventBookmarks(), null, new RouteBuilder() {
            @Override
            public void configure() {
                from("ontap:default?events=monitor.volume.*&startFrom=1h&delay=50&initialDelay=0&repeatCount=3").routeId("ems")
                        .process(received::add);
                from("ontap:other?startFrom=1h&delay=50&initialDelay=0&repeatCount=3&events=" + names).routeId("many")
                        .process(received::add);
            }
        });
        await().atMost(WAIT).until(() -> metrics.polls.getOrDefault("default/ok", new AtomicLong()).get() == 3
                && metrics.polls.getOrDefault("other/ok", new AtomicLong()).get() == 3);
        assertThat(keys()).containsExactlyInAnyOrder(key(f), "other/" + e.nodeUuid() + "/" + e.index());
        assertThat(sim.emsRequests()).allSatisfy(r -> assertThat(r.length()).isLessThan(8192));
        assertThat(sim.emsRequests()).anySatisfy(r -> assertThat(r.uri()).contains("custom.simulated.event399.*"));
        long gets = sim.emsRequests().stream().filter(this::eventsOf).filter(r -> r.uri().contains("monitor.volume")).count();
        assertThat(gets).as("a 2-node cluster: one request per poll").isEqualTo(2);
        long manyGets = sim.emsRequests().stream().filter(this::eventsOf).filter(r -> r.uri().contains("custom.simulated")).count();
        assertThat(manyGets).as("400 patterns: two requests a poll").isEqualTo(4);
        assertThat(sim.stats().emsEventGets()).isEqualTo(1 + 2 + 1 + 4);
    }

    boolean eventsOf(EmsRequest r) {
        return r.method().equals("GET") && r.uri().startsWith("/api/support/ems/events?");
    }

    @Test
    void aPoisonEventIsSkippedWithAWarnNamingItsKeyAfterTheErrorHandlerGaveUpAndTheNextFlow() throws Exception {
        sim(b -> { });
        InMemoryEventBookmarks marks = new InMemoryEventBookmarks();
        AtomicLong attempts = new AtomicLong();
        CamelContext context = start(marks, null, new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(defaultErrorHandler().maximumRedeliveries(2).redeliveryDelay(10));
                from(EVERY).routeId("ems").process(x -> {
                    if ("bad".equals(x.getIn().getHeader(OntapConstants.EVENT_PARAMETERS, Map.class).get("name"))) {
                        attempts.incrementAndGet();
                        throw new IllegalStateException("poison");
                    }
                    received.add(x);
                });
            }
        });
        awaitPolls(context, 1);
        EmittedEvent bad = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "bad"));
        EmittedEvent good = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "good"));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        awaitPolls(context, 3);

        assertThat(keys()).containsExactly(key(good));
        assertThat(attempts.get()).as("once and two redeliveries, then never again").isEqualTo(3);
        assertThat(log.list).anySatisfy(l -> {
            assertThat(l.getLevel()).isEqualTo(Level.WARN);
            assertThat(l.getFormattedMessage()).contains(key(bad)).contains("skipped");
        });
        assertThat(marks.load("default/ems").get(bad.nodeUuid()).index()).isEqualTo(good.index());
        assertThat(metrics.failed.get()).isEqualTo(1);
    }

    @Test
    void theBookmarkMovesOnlyOnceTheExchangeCompleted() throws Exception {
        sim(b -> { });
        InMemoryEventBookmarks marks = new InMemoryEventBookmarks();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch inRoute = new java.util.concurrent.CountDownLatch(1);
        CamelContext context = start(marks, null, new RouteBuilder() {
            @Override
            public void configure() {
                from(EVERY).routeId("ems").process(x -> {
                    inRoute.countDown();
                    release.await();
                    received.add(x);
                });
            }
        });
        awaitPolls(context, 1);
        EmittedEvent e = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        assertThat(inRoute.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(marks.load("default/ems").get(e.nodeUuid())).as("not yet: the exchange is in the route").isNull();
        release.countDown();
        await().atMost(WAIT).until(() -> marks.load("default/ems").get(e.nodeUuid()) != null);
        assertThat(marks.load("default/ems").get(e.nodeUuid()).index()).isEqualTo(e.index());
    }

    @Test
    void aRestartWithTheSameBookmarksContinuesWithoutLossOrRepeat() throws Exception {
        sim(b -> b.clockSkew("sim-02", Duration.ofSeconds(-30)));
        InMemoryEventBookmarks marks = new InMemoryEventBookmarks();
        CamelContext first = start(marks, null, collecting(EVERY));
        awaitPolls(first, 1);
        EmittedEvent a = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "a"));
        EmittedEvent b = sim.emitEvent("sim-02", "monitor.volume.full", null, Map.of("name", "b"));
        await().atMost(WAIT).until(() -> received.size() >= 2);
        first.stop();

        List<String> whileDown = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            whileDown.add(key(sim.emitEvent(i % 2 == 0 ? "sim-01" : "sim-02", "wafl.vol.full", null, Map.of("vol", "v" + i))));
        }
        received.clear();
        CamelContext second = start(marks, null, collecting(EVERY));
        await().atMost(WAIT).until(() -> received.size() >= 4);
        awaitPolls(second, 3);
        assertThat(keys()).containsExactlyInAnyOrderElementsOf(whileDown).doesNotContain(key(a), key(b));
        assertThat(metrics.gaps.get()).isZero();
    }

    @Test
    void aDerivedOperationIdMakesAnEventDeliveredAgainTriggerNothingNew() throws Exception {
        sim(b -> { });
        // a store that loses every node bookmark (as a crash right after the exchange would): each start delivers again
        EventBookmarks forgetful = new EventBookmarks() {
            final InMemoryEventBookmarks inner = new InMemoryEventBookmarks();

            @Override
            public Map<String, EventBookmarks.Bookmark> load(String consumerKey) {
                return inner.load(consumerKey);
            }

            @Override
            public void save(String consumerKey, String nodeUuid, long index, Instant time) {
                if (nodeUuid.equals(EventBookmarks.START)) {
                    inner.save(consumerKey, nodeUuid, index, time);
                }
            }
        };
        OperationRepository repository = new InMemoryOperationRepository(); // what survives the crash
        RouteBuilder routes = new RouteBuilder() {
            @Override
            public void configure() {
                from("ontap:default?events=monitor.volume.full&delay=100&initialDelay=0").routeId("ems")
                        .process(x -> x.getIn().setBody(Map.of("name", "snap-" + x.getIn().getHeader(OntapConstants.EVENT_INDEX))))
                        .to("ontap:default?method=POST&path=/api/storage/volumes")
                        .process(received::add);
            }
        };
        CamelContext first = start(forgetful, repository, routes);
        awaitPolls(first, 1);
        sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        first.stop();

        CamelContext second = start(forgetful, repository, routes);
        await().atMost(WAIT).until(() -> received.size() >= 2);
        second.stop();

        String id = received.get(0).getMessage().getHeader(OntapConstants.OPERATION_ID, String.class);
        assertThat(id).matches("ev-[0-9a-f]{24}-[0-9]+");
        assertThat(received.get(1).getMessage().getHeader(OntapConstants.OPERATION_ID)).isEqualTo(id);
        assertThat(received.get(1).getMessage().getHeader(OntapConstants.STATUS)).isEqualTo("succeeded");
        assertThat(sim.stats().triggers()).as("delivered twice, triggered once").isEqualTo(1);
        assertThat(sim.records("/api/storage/volumes")).hasSize(1);
    }

    @Test
    void twoRequestsMadeFromOneEventAreTwoOperationsAndAnIdOfItsOwnWins() throws Exception {
        sim(b -> { });
        CamelContext context = start(new InMemoryEventBookmarks(), null, new RouteBuilder() {
            @Override
            public void configure() {
                from("ontap:default?events=monitor.volume.full&delay=100&initialDelay=0").routeId("ems")
                        .process(x -> x.getIn().setBody(List.of("a", "b", "mine")))
                        .split(body())
                            .process(x -> {
                                String name = x.getIn().getBody(String.class);
                                x.getIn().removeHeader(OntapConstants.OPERATION_ID);
                                if (name.equals("mine")) {
                                    x.getIn().setHeader(OntapConstants.OPERATION_ID, "my-own-id");
                                }
                                x.getIn().setBody(Map.of("name", "snap-" + name));
                            })
                            .to("ontap:default?method=POST&path=/api/storage/volumes")
                            .process(received::add);
            }
        });
        awaitPolls(context, 1);
        sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        await().atMost(WAIT).until(() -> received.size() >= 3);
        List<Object> ids = received.stream().map(x -> x.getMessage().getHeader(OntapConstants.OPERATION_ID)).toList();
        assertThat(ids).doesNotHaveDuplicates().contains("my-own-id");
        assertThat(sim.stats().triggers()).isEqualTo(3);
    }

    @Test
    void eventsThatFellOffANodesLogWhileDownAreAGapWarnAndAMetricAndTheRestFlow() throws Exception {
        sim(b -> b.emsLogSize(5));
        InMemoryEventBookmarks marks = new InMemoryEventBookmarks();
        CamelContext first = start(marks, null, collecting(EVERY));
        awaitPolls(first, 1);
        EmittedEvent seen = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        EmittedEvent other = sim.emitEvent("sim-02", "monitor.volume.full", null, Map.of("name", "w"));
        await().atMost(WAIT).until(() -> received.size() >= 2);
        first.stop();
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < 9; i++) { // sim-01 logs 9 more, keeps the last 5: 2..5 are lost
            EmittedEvent e = sim.emitEvent("sim-01", "wafl.vol.full", null, Map.of("vol", "v" + i));
            if (i >= 4) {
                kept.add(key(e));
            }
        }
        received.clear();
        CamelContext second = start(marks, null, collecting(EVERY));
        await().atMost(WAIT).until(() -> received.size() >= 5);
        awaitPolls(second, 2);
        assertThat(keys()).containsExactlyElementsOf(kept);
        assertThat(log.list).filteredOn(l -> l.getLevel() == Level.WARN && l.getFormattedMessage().contains("EMS gap"))
                .singleElement().satisfies(l -> assertThat(l.getFormattedMessage())
                        .contains("cluster default", "node sim-01", seen.nodeUuid(), "lost events " + (seen.index() + 1) + " to "
                                + (seen.index() + 4)));
        assertThat(metrics.gaps.get()).isEqualTo(1);
        assertThat(metrics.missed.get()).isEqualTo(4);
        assertThat(other.index()).isEqualTo(1);
    }

    @Test
    void aReplacedNodeIsAGapWarnAndTheNewNodesEventsFlow() throws Exception {
        sim(b -> { });
        InMemoryEventBookmarks marks = new InMemoryEventBookmarks();
        CamelContext first = start(marks, null, collecting(EVERY));
        awaitPolls(first, 1);
        EmittedEvent old = sim.emitEvent("sim-02", "monitor.volume.full", null, Map.of("name", "v"));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        first.stop();
        sim.replaceNode("sim-02"); // a new uuid, numbering from 1 again
        EmittedEvent fresh = sim.emitEvent("sim-02", "monitor.volume.full", null, Map.of("name", "w"));
        received.clear();
        CamelContext second = start(marks, null, collecting(EVERY));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        awaitPolls(second, 2);
        assertThat(fresh.nodeUuid()).isNotEqualTo(old.nodeUuid());
        assertThat(keys()).containsExactly(key(fresh));
        assertThat(log.list).filteredOn(l -> l.getLevel() == Level.WARN && l.getFormattedMessage().contains("EMS gap"))
                .singleElement().satisfies(l -> assertThat(l.getFormattedMessage()).contains(old.nodeUuid(), "has no events any more"));
        assertThat(metrics.gaps.get()).isEqualTo(1);
    }

    @Test
    void startFromNowSkipsWhatWasLoggedWhileDownAndAFailedPollDoesNotCutAgain() throws Exception {
        sim(b -> { });
        InMemoryEventBookmarks marks = new InMemoryEventBookmarks();
        String now = "ontap:default?events=*&startFrom=now&delay=50&initialDelay=0";
        CamelContext first = start(marks, null, collecting(now));
        awaitPolls(first, 1);
        EmittedEvent a = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "a"));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        first.stop();
        sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "while-down"));
        CamelContext second = start(marks, null, collecting(now));
        awaitPolls(second, 1);
        sim.addFault(Fault.on("GET", "/api/support/ems/events").status(503).times(2).build());
        await().atMost(WAIT).until(() -> consumer(second).getErrorCounter() >= 1);
        EmittedEvent c = sim.emitEvent("sim-02", "monitor.volume.full", null, Map.of("name", "c"));
        await().atMost(WAIT).until(() -> received.size() >= 2);
        awaitPolls(second, 2);
        assertThat(keys()).containsExactly(key(a), key(c));
    }

    @Test
    void micrometerCountsPollsAndEventsByNameAndTheLagFollowsTheClock() throws Exception {
        virtualClock = new io.ontapjobs.time.VirtualClock(Instant.parse("2030-01-01T00:00:00Z"));
        sim(b -> b.clock(virtualClock.asClock()));
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        componentMetrics = new io.ontapjobs.metrics.MicrometerMetrics(registry);
        CamelContext context = start(new InMemoryEventBookmarks(), null, collecting(EVERY));
        awaitPolls(context, 1);
        virtualClock.advance(Duration.ofSeconds(10));
        sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        virtualClock.advance(Duration.ofSeconds(90));

        assertThat(registry.get("ontap.events.lag").tag("cluster", "default").tag("route", "ems").gauge().value()).isEqualTo(90.0);
        assertThat(registry.get("ontap.events.received").tag("name", "monitor.volume.full").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("ontap.events.polls").tag("status", "ok").counter().count()).isGreaterThanOrEqualTo(2.0);
    }

    @Test
    void hostileParameterValuesReachTheRouteAndTheOperationAsData() throws Exception {
        sim(b -> { });
        List<String> hostile = List.of("${sys:user.home}", "{{ontap.clusters.default.password}}", "\",\"path\":\"/api/security/accounts");
        CamelContext context = start(new InMemoryEventBookmarks(), null, new RouteBuilder() {
            @Override
            public void configure() {
                from(EVERY).routeId("ems")
                        .process(x -> {
                            @SuppressWarnings("unchecked")
                            Map<String, String> p = x.getIn().getHeader(OntapConstants.EVENT_PARAMETERS, Map.class);
                            x.getIn().setBody(Map.of("name", p.get("name"), "comment", p.get("name")));
                        })
                        .to("ontap:default?method=POST&path=/api/storage/volumes")
                        .process(x -> {
                            @SuppressWarnings("unchecked")
                            Map<String, String> p = x.getIn().getHeader(OntapConstants.EVENT_PARAMETERS, Map.class);
                            x.getIn().setHeader("CamelOntapQuery.name", p.get("name"));
                            x.getIn().setHeader("CamelOntapQuery.fields", "name,comment");
                        })
                        .to("ontap:default?operation=read&path=/api/storage/volumes")
                        .process(received::add);
            }
        });
        awaitPolls(context, 1);
        for (String h : hostile) {
            sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", h));
        }
        await().atMost(WAIT).until(() -> received.size() >= 3);

        assertThat(sim.records("/api/storage/volumes")).extracting(v -> v.path("name").asText())
                .containsExactlyInAnyOrderElementsOf(hostile);
        assertThat(sim.records("/api/storage/volumes")).allSatisfy(v -> {
            assertThat(v.path("comment").asText()).isEqualTo(v.path("name").asText());
            assertThat(v.has("path")).isFalse();
        });
        for (int i = 0; i < 3; i++) {
            var in = received.get(i).getIn();
            String name = (String) in.getHeader(OntapConstants.EVENT_PARAMETERS, Map.class).get("name");
            assertThat(name).isEqualTo(hostile.get(i));
            List<?> found = in.getBody(List.class);
            assertThat(found).as("the query found exactly the volume named %s", name).hasSize(1);
            assertThat(((Map<?, ?>) found.get(0)).get("name")).isEqualTo(name);
        }
    }

    @Test
    void aNameTheClustersCatalogueLacksIsLeftOutWithAWarnAndTheOthersFlow() throws Exception {
        sim(b -> { });
        CamelContext context = start(new InMemoryEventBookmarks(), null,
                collecting("ontap:default?events=no.such.event,monitor.volume.full&delay=50&initialDelay=0"));
        awaitPolls(context, 2);
        EmittedEvent e = sim.emitEvent("sim-01", "monitor.volume.full", null, Map.of("name", "v"));
        await().atMost(WAIT).until(() -> received.size() >= 1);
        awaitPolls(context, 2);
        assertThat(keys()).containsExactly(key(e));
        assertThat(log.list).filteredOn(l -> l.getLevel() == Level.WARN && l.getFormattedMessage().contains("[no.such.event]"))
                .hasSize(1);
        assertThat(metrics.polls.get("default/error")).as("no poll failed").isNull();
    }

    @Test
    void aConsumerOfAnUnknownClusterOrWithoutEventsDoesNotStart() throws Exception {
        sim(b -> { });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(new InMemoryEventBookmarks(), null, collecting("ontap:nope?events=*")))
                .hasStackTraceContaining("unknown cluster 'nope'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(new InMemoryEventBookmarks(), null, collecting("ontap:default")))
                .hasStackTraceContaining("option events");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(new InMemoryEventBookmarks(), null,
                collecting("ontap:default?events=*&startFrom=yesterday"))).hasStackTraceContaining("option startFrom");
    }

    @Test
    void theConsumersHealthCheckIsDownWhenItsPollFails() throws Exception {
        sim(b -> { });
        CamelContext started = start(new InMemoryEventBookmarks(), null, collecting(EVERY));
        var registry = org.apache.camel.health.HealthCheckRegistry.get(started);
        var consumers = new org.apache.camel.impl.health.ConsumersHealthCheckRepository();
        consumers.setCamelContext(started);
        registry.register(consumers);
        awaitPolls(started, 1);
        assertThat(consumerHealth(started)).isEqualTo(HealthCheck.State.UP);
        sim.addFault(Fault.on("GET", "/api/support/ems/events").status(500).build());
        await().atMost(WAIT).until(() -> consumer(started).getErrorCounter() >= 1);
        assertThat(consumerHealth(started)).isEqualTo(HealthCheck.State.DOWN);
        assertThat(metrics.polls.get("default/error").get()).isPositive();
        sim.clearFaults();
        await().atMost(WAIT).until(() -> consumerHealth(started) == HealthCheck.State.UP);
    }

    static HealthCheck.State consumerHealth(CamelContext context) {
        return HealthCheckHelper.invoke(context).stream().filter(r -> r.getCheck().getId().equals("consumer:ems"))
                .findFirst().map(HealthCheck.Result::getState).orElseThrow(() -> new AssertionError("checks: "
                        + HealthCheckHelper.invoke(context).stream().map(r -> r.getCheck().getId()).toList()));
    }

    /** Counts what the consumer reports. */
    static final class CountingMetrics implements OntapMetrics {
        final Map<String, AtomicLong> received = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> polls = new ConcurrentHashMap<>();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong missed = new AtomicLong();

        @Override
        public void eventReceived(String cluster, String name) {
            received.computeIfAbsent(cluster + "/" + name, k -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public void eventsPoll(String cluster, String status) {
            polls.computeIfAbsent(cluster + "/" + status, k -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public void eventFailed(String cluster, String name) {
            failed.incrementAndGet();
        }

        @Override
        public void eventsGap(String cluster, String node, long count) {
            gaps.incrementAndGet();
            missed.addAndGet(count);
        }
    }
}

package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ontapjobs.events.InMemoryEventBookmarks;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.ClusterOwnership;
import io.ontapjobs.policy.Policies;
import io.ontapjobs.simulator.OntapSimulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The EMS consumer polls only the clusters this process owns, and a hint (an EMS push) makes it poll soon, rate-limited. */
class OntapEventConsumerHintsTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    OntapSimulator sim = OntapSimulator.builder().port(0).build().start();
    CamelContext context;
    OntapComponent ontap;
    final List<Exchange> received = new CopyOnWriteArrayList<>();
    final AtomicBoolean owned = new AtomicBoolean(true);

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
        sim.close();
    }

    void start(String uri) throws Exception {
        context = new DefaultCamelContext();
        ontap = new OntapComponent();
        ontap.addCluster(ClusterConfig.of("default", sim.baseUrl(), "admin", "netapp1!"));
        ontap.setPolicies(Policies.parse(OntapEventConsumerTest.POLICIES, "test-policies.yaml"));
        ontap.setEventBookmarks(new InMemoryEventBookmarks());
        context.getRegistry().bind("ownership", ClusterOwnership.class, new ClusterOwnership() {
            @Override
            public boolean owns(String cluster) {
                return owned.get();
            }

            @Override
            public boolean mayPoll(String cluster) {
                return owned.get();
            }
        });
        context.addComponent("ontap", ontap);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).routeId("ems").process(received::add);
            }
        });
        context.start();
    }

    OntapEventConsumer consumer() {
        return (OntapEventConsumer) context.getRoute("ems").getConsumer();
    }

    long eventQueries() {
        return sim.emsRequests().stream().filter(r -> r.uri().startsWith("/api/support/ems/events")).count();
    }

    @Test
    void aConsumerSkipsItsPollsWithoutErrorWhileTheClusterIsNotOwnedAndTakesUpOnceItIs() throws Exception {
        owned.set(false);
        start("ontap:default?events=*&delay=50&initialDelay=0");
        long polls = consumer().getSuccessCounter();
        await().atMost(WAIT).until(() -> consumer().getSuccessCounter() >= polls + 5);
        sim.emitEvent("sim-01", "monitor.volume.full", "alert", Map.of("name", "v1"));
        Thread.sleep(300);
        assertThat(sim.emsRequests()).as("not owned: no request to the cluster").isEmpty();
        assertThat(consumer().getErrorCounter()).isZero();
        assertThat(received).isEmpty();

        owned.set(true);
        await().atMost(WAIT).until(() -> eventQueries() >= 1); // the first start's cut
        long before = consumer().getSuccessCounter();
        await().atMost(WAIT).until(() -> consumer().getSuccessCounter() >= before + 2);
        sim.emitEvent("sim-01", "monitor.volume.full", "alert", Map.of("name", "v2"));
        await().atMost(WAIT).until(() -> received.size() == 1);
        assertThat(received.get(0).getIn().getBody(Map.class).toString()).contains("v2");
    }

    @Test
    void aHintMakesTheConsumerDeliverWellBeforeItsPollDelay() throws Exception {
        start("ontap:default?events=*&delay=60000&initialDelay=0");
        await().atMost(WAIT).until(() -> consumer().getSuccessCounter() >= 1); // the first start: a 60 s wait follows
        sim.emitEvent("sim-01", "monitor.volume.full", "alert", Map.of("name", "v1"));
        long t0 = System.nanoTime();
        assertThat(ontap.eventsHint("default")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(ontap.eventsHint("nope")).as("a cluster without consumers").isZero();
    }

    @Test
    void aHundredHintsInASecondAreAtMostTwoExtraPolls() throws Exception {
        start("ontap:default?events=*&delay=60000&initialDelay=0");
        await().atMost(WAIT).until(() -> consumer().getSuccessCounter() >= 1);
        long queries = eventQueries();
        long polls = consumer().getSuccessCounter();
        for (int i = 0; i < 100; i++) {
            ontap.eventsHint("default");
            Thread.sleep(9); // 100 in about 0.9 s
        }
        Thread.sleep(2500); // the one queued at the end of the flood runs within a second of the first
        assertThat(consumer().getSuccessCounter() - polls).isBetween(1L, 2L);
        assertThat(eventQueries() - queries).as("EMS requests the flood caused").isBetween(1L, 2L);
    }
}

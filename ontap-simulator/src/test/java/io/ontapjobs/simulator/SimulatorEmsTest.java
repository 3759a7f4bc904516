package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The simulator's EMS: events numbered per node, ONTAP's query semantics on them, catalogue, filters, destinations, pushes. */
class SimulatorEmsTest {
    private SimulatorClockTest.HandClock clock;
    private OntapSimulator sim;
    private SimClient c;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        clock = new SimulatorClockTest.HandClock();
        sim = OntapSimulator.builder().clock(clock).build().start();
        c = new SimClient(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static String enc(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8);
    }

    private SimClient.Res events(String query) throws Exception {
        return c.get("/api/support/ems/events" + (query.isEmpty() ? "" : "?" + query));
    }

    /** The (node name, index) pairs of an answer's records, in order. */
    private static List<String> keys(SimClient.Res r) {
        List<String> out = new ArrayList<>();
        for (JsonNode rec : r.json().path("records")) {
            out.add(rec.path("node").path("name").asText() + "#" + rec.path("index").asLong());
        }
        return out;
    }

    private void emitMix() {
        sim.emitEvent("sim-01", "monitor.volume.nearlyFull", null, Map.of("name", "vol1"));      // sim-01#1 error  t+0
        clock.now = clock.now.plusSeconds(1);
        sim.emitEvent("sim-02", "monitor.volume.full", null, Map.of("name", "vol1"));            // sim-02#1 alert  t+1
        clock.now = clock.now.plusSeconds(1);
        sim.emitEvent("sim-01", "wafl.vol.autoSize.fail", null, Map.of("vol", "vol2"));          // sim-01#2 notice t+2
        clock.now = clock.now.plusSeconds(1);
        sim.emitEvent("sim-02", "mgmtgwd.jobmgr.jobcomplete.failure", null, Map.of("jobid", "7")); // sim-02#2 informational t+3
        sim.emitEvent("sim-01", "callhome.arw.activity.seen", null, Map.of("volName", "vol3"));  // sim-01#3 alert t+3 (same second)
    }

    @Test
    void eachNodeNumbersItsOwnEventsAndRecordsHaveOntapsShape() throws Exception {
        EmittedEvent a = sim.emitEvent("sim-01", "monitor.volume.full", "alert", Map.of("name", "vol1"));
        EmittedEvent b = sim.emitEvent("sim-02", "monitor.volume.full", "alert", Map.of("name", "vol2"));
        EmittedEvent a2 = sim.emitEvent("sim-01", "wafl.vol.full", null, Map.of("vol", "vol1"));

        assertThat(sim.nodeNames()).containsExactly("sim-01", "sim-02");
        assertThat(a.index()).isEqualTo(1);
        assertThat(b.index()).isEqualTo(1);
        assertThat(a2.index()).isEqualTo(2);
        assertThat(a.nodeUuid()).isEqualTo(sim.nodeUuid("sim-01")).isNotEqualTo(b.nodeUuid());
        assertThat(OntapSimulator.builder().build().nodeUuid("sim-01")).as("stable for a name").isEqualTo(a.nodeUuid());

        SimClient.Res r = events("fields=*");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("num_records").asInt()).isEqualTo(3);
        JsonNode rec = r.json().path("records").get(0);
        assertThat(rec.path("node").path("name").asText()).isEqualTo("sim-01");
        assertThat(rec.path("node").path("uuid").asText()).isEqualTo(a.nodeUuid());
        assertThat(rec.path("node").path("_links").path("self").path("href").asText()).isEqualTo("/api/cluster/nodes/" + a.nodeUuid());
        assertThat(rec.path("index").isNumber()).isTrue();
        assertThat(rec.path("time").asText()).isEqualTo("2030-01-01T00:00:00+00:00");
        assertThat(rec.path("message").path("name").asText()).isEqualTo("monitor.volume.full");
        assertThat(rec.path("message").path("severity").asText()).isEqualTo("alert");
        assertThat(rec.path("log_message").asText()).startsWith("monitor.volume.full: Volume vol1@").contains("is full");
        assertThat(rec.path("parameters").get(0).path("name").asText()).isEqualTo("name");
        assertThat(rec.path("parameters").get(0).path("value").asText()).isEqualTo("vol1");
        assertThat(rec.path("source").asText()).isNotEmpty();
        String self = rec.path("_links").path("self").path("href").asText();
        assertThat(self).isEqualTo("/api/support/ems/events/" + a.nodeUuid() + "/1");
        assertThat(rec.path("message").path("severity").asText()).isEqualTo("alert");
        assertThat(c.get(self).json().path("parameters").get(0).path("value").asText()).isEqualTo("vol1");
        assertThat(c.get("/api/support/ems/events/" + a.nodeUuid() + "/99").status()).isEqualTo(404);
        assertThat(sim.emsEvents()).hasSize(3);
        assertThatThrownBy(() -> sim.emitEvent("sim-09", "x.y", null, null)).hasMessageContaining("sim-09");
        assertThatThrownBy(() -> sim.emitEvent("sim-01", "x.y", "loud", null)).hasMessageContaining("loud");
    }

    @Test
    void nodesAndTheirClockSkewAreConfigurable() throws Exception {
        try (OntapSimulator s = OntapSimulator.builder().clock(clock).clusterName("c1").nodeCount(3)
                .clockSkew("c1-02", Duration.ofSeconds(-30)).build().start()) {
            assertThat(s.nodeNames()).containsExactly("c1-01", "c1-02", "c1-03");
            s.emitEvent("c1-01", "wafl.vol.full", null, null);
            s.emitEvent("c1-02", "wafl.vol.full", null, null);
            List<ObjectNode> all = s.emsEvents();
            assertThat(all.get(0).path("time").asText()).isEqualTo("2030-01-01T00:00:00+00:00");
            assertThat(all.get(1).path("time").asText()).isEqualTo("2029-12-31T23:59:30+00:00");
        }
        try (OntapSimulator s = OntapSimulator.builder().nodes("a", "b", "c").build()) {
            assertThat(s.nodeNames()).containsExactly("a", "b", "c");
        }
    }

    @Test
    void filtersOnMessageNameWithAlternativesWildcardsAndNegation() throws Exception {
        emitMix();
        assertThat(keys(events("message.name=monitor.volume.full|wafl.vol.autoSize.fail"))).containsExactly("sim-02#1", "sim-01#2");
        assertThat(keys(events("message.name=monitor.volume.*"))).containsExactly("sim-01#1", "sim-02#1");
        assertThat(keys(events("message.name=" + enc("!monitor.volume.*")))).containsExactly("sim-01#2", "sim-02#2", "sim-01#3");
        assertThat(keys(events("message.name=" + enc("!monitor.volume.full")))).hasSize(4);
    }

    @Test
    void filtersOnSeverityIndexTimeNodeAndParameters() throws Exception {
        emitMix();
        assertThat(keys(events("message.severity=alert"))).containsExactly("sim-02#1", "sim-01#3");
        assertThat(keys(events("message.severity=alert|error"))).containsExactly("sim-01#1", "sim-02#1", "sim-01#3");
        assertThat(keys(events("message.severity=" + enc("!informational")))).hasSize(4);
        assertThat(keys(events("message.severity=" + enc("!alert") + "&node.name=sim-01"))).containsExactly("sim-01#1", "sim-01#2");

        assertThat(keys(events("index=" + enc(">1")))).containsExactly("sim-01#2", "sim-02#2", "sim-01#3");
        assertThat(keys(events("index=" + enc(">=2") + "&node.name=sim-01"))).containsExactly("sim-01#2", "sim-01#3");
        assertThat(keys(events("index=" + enc("<2")))).containsExactly("sim-01#1", "sim-02#1");
        assertThat(keys(events("index=" + enc("<=1") + "&node.name=sim-02"))).containsExactly("sim-02#1");
        assertThat(keys(events("index=1|3&node.name=sim-01"))).containsExactly("sim-01#1", "sim-01#3");

        assertThat(keys(events("time=" + enc(">=2030-01-01T00:00:02+00:00")))).containsExactly("sim-01#2", "sim-02#2", "sim-01#3");
        assertThat(keys(events("time=" + enc(">2030-01-01T00:00:02+00:00")))).containsExactly("sim-02#2", "sim-01#3");
        assertThat(keys(events("time=" + enc("<2030-01-01T00:00:01+00:00")))).containsExactly("sim-01#1");
        assertThat(keys(events("time=" + enc("<=2030-01-01T00:00:01Z")))).containsExactly("sim-01#1", "sim-02#1");
        assertThat(keys(events("time=" + enc("2030-01-01T00:00:03+00:00")))).as("two events in one second").hasSize(2);

        assertThat(keys(events("node.name=sim-02"))).containsExactly("sim-02#1", "sim-02#2");
        assertThat(keys(events("node.uuid=" + sim.nodeUuid("sim-02")))).containsExactly("sim-02#1", "sim-02#2");
        assertThat(keys(events("parameters.value=vol1"))).containsExactly("sim-01#1", "sim-02#1");
        assertThat(events("nonsense=1").status()).isEqualTo(400);
        assertThat(events("nonsense=1").errorCode()).isEqualTo("262179");
    }

    @Test
    void debugEventsAreLeftOutUnlessTheQueryAsksForASeverity() throws Exception {
        sim.emitEvent("sim-01", "sim.debug.heartbeat", null, Map.of("count", "1"));
        sim.emitEvent("sim-01", "wafl.vol.full", null, null);

        assertThat(keys(events(""))).containsExactly("sim-01#2");
        assertThat(keys(events("message.severity=debug"))).containsExactly("sim-01#1");
        assertThat(keys(events("message.severity=*"))).containsExactly("sim-01#1", "sim-01#2");
        assertThat(events("message.name=sim.debug.heartbeat").json().path("num_records").asInt())
                .as("a name alone does not ask for debug").isZero();
    }

    @Test
    void fieldsChooseWhatAppears() throws Exception {
        sim.emitEvent("sim-01", "wafl.vol.full", null, Map.of("vol", "v"));

        JsonNode dflt = events("").json().path("records").get(0);
        assertThat(dflt.has("node")).isTrue();
        assertThat(dflt.has("index")).isTrue();
        assertThat(dflt.has("_links")).isTrue();
        assertThat(dflt.has("message")).as("key fields only by default").isFalse();

        JsonNode some = events("fields=message.name,time").json().path("records").get(0);
        assertThat(some.path("message").path("name").asText()).isEqualTo("wafl.vol.full");
        assertThat(some.path("message").has("severity")).isFalse();
        assertThat(some.has("time")).isTrue();
        assertThat(some.has("parameters")).isFalse();
        assertThat(some.path("node").path("uuid").asText()).as("the keys always come, as ONTAP shows them").isEqualTo(sim.nodeUuid("sim-01"));
        assertThat(some.path("index").asLong()).isEqualTo(1);
        JsonNode one = c.get(some.path("_links").path("self").path("href").asText() + "?fields=time").json();
        assertThat(one.has("node")).isTrue();
        assertThat(one.has("index")).isTrue();
        assertThat(one.has("time")).isTrue();
        assertThat(one.has("message")).isFalse();

        for (String all : List.of("*", "**")) {
            JsonNode rec = events("fields=" + enc(all)).json().path("records").get(0);
            assertThat(rec.has("log_message")).isTrue();
            assertThat(rec.has("parameters")).isTrue();
        }
        assertThat(events("fields=bogus").status()).isEqualTo(400);
        assertThat(events("return_records=false").json().path("num_records").asInt()).isEqualTo(1);
        assertThat(events("return_records=false").json().has("records")).isFalse();
        assertThat(events("return_timeout=15").status()).isEqualTo(200);
        assertThat(events("return_timeout=121").status()).isEqualTo(400);
    }

    @Test
    void pagingFollowsNextLinksAndIsStableWhileEventsArrive() throws Exception {
        for (String order : List.of("", "&order_by=" + enc("index desc"), "&order_by=" + enc("time desc"))) {
            try (OntapSimulator s = OntapSimulator.builder().build().start()) {
                SimClient sc = new SimClient(s);
                for (int i = 0; i < 5; i++) {
                    s.emitEvent(i % 2 == 0 ? "sim-01" : "sim-02", "wafl.vol.full", null, Map.of("n", String.valueOf(i)));
                }
                List<String> seen = new ArrayList<>();
                SimClient.Res page = sc.get("/api/support/ems/events?max_records=2&fields=parameters" + order);
                int pages = 0;
                while (true) {
                    pages++;
                    assertThat(page.status()).isEqualTo(200);
                    assertThat(page.json().path("num_records").asInt()).isEqualTo(pages < 3 ? 2 : 1);
                    page.json().path("records").forEach(r -> seen.add(r.path("parameters").get(0).path("value").asText()));
                    s.emitEvent("sim-01", "wafl.vol.full", null, Map.of("n", "late")); // arrives between pages
                    JsonNode next = page.json().path("_links").path("next");
                    if (next.isMissingNode()) {
                        break;
                    }
                    page = sc.get(next.path("href").asText());
                }
                assertThat(pages).isEqualTo(3);
                assertThat(seen).as(order).hasSize(5).doesNotContain("late").doesNotHaveDuplicates();
                assertThat(sc.get("/api/support/ems/events?parameters.value=late").json().path("num_records").asInt())
                        .as("the next poll sees them").isEqualTo(3);
            }
        }
    }

    @Test
    void pagingWhileAnotherThreadEmitsSeesEachEventOfTheSnapshotOnce() throws Exception {
        try (OntapSimulator s = OntapSimulator.builder().build().start()) {
            SimClient sc = new SimClient(s);
            for (int i = 0; i < 40; i++) {
                s.emitEvent(i % 2 == 0 ? "sim-01" : "sim-02", "wafl.vol.full", null, Map.of("n", "old" + i));
            }
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread emitter = new Thread(() -> {
                int i = 0;
                while (!stop.get() && i < 1500) { // stays within the logs' 1000 a node: nothing of the snapshot falls off
                    s.emitEvent(i++ % 2 == 0 ? "sim-01" : "sim-02", "wafl.vol.full", null, Map.of("n", "new"));
                }
            });
            emitter.start();
            try {
                List<String> seen = new ArrayList<>();
                String next = "/api/support/ems/events?max_records=7&fields=parameters&order_by=" + enc("index desc");
                while (next != null) {
                    SimClient.Res res = sc.get(next);
                    assertThat(res.status()).as(next + " " + res.json()).isEqualTo(200);
                    JsonNode page = res.json();
                    page.path("records").forEach(r -> seen.add(r.path("node").path("name").asText() + "#" + r.path("index").asLong()));
                    JsonNode link = page.path("_links").path("next");
                    next = link.isMissingNode() ? null : link.path("href").asText();
                }
                assertThat(seen).doesNotHaveDuplicates().contains("sim-01#1", "sim-02#1", "sim-01#20", "sim-02#20");
                int first = Math.max(Integer.parseInt(seen.get(0).split("#")[1]), Integer.parseInt(seen.get(1).split("#")[1]));
                assertThat(seen.size()).as("every event up to the first page's newest, once").isBetween(2 * first - 1, 2 * first);
            } finally {
                stop.set(true);
                emitter.join();
            }
        }
    }

    @Test
    void headAndOptionsOnEmsPaths() throws Exception {
        sim.emitEvent("sim-01", "wafl.vol.full", null, null);
        SimClient.Res head = c.send("HEAD", "/api/support/ems/events", null);
        assertThat(head.status()).isEqualTo(200);
        SimClient.Res options = c.send("OPTIONS", "/api/support/ems/events", null);
        assertThat(options.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(c.send("OPTIONS", "/api/support/ems/destinations", null).header("Allow")).contains("POST", "PATCH", "DELETE");
    }

    @Test
    void orderByIndexAndTime() throws Exception {
        emitMix();
        assertThat(keys(events("order_by=" + enc("index asc") + "&node.name=sim-01"))).containsExactly("sim-01#1", "sim-01#2", "sim-01#3");
        assertThat(keys(events("order_by=" + enc("index desc") + "&node.name=sim-01"))).containsExactly("sim-01#3", "sim-01#2", "sim-01#1");
        List<String> byTime = keys(events("order_by=" + enc("time desc")));
        assertThat(byTime.subList(2, 5)).containsExactly("sim-01#2", "sim-02#1", "sim-01#1");
        assertThat(byTime.subList(0, 2)).containsExactlyInAnyOrder("sim-02#2", "sim-01#3");
        assertThat(events("order_by=" + enc("bogus asc")).status()).isEqualTo(400);
    }

    @Test
    void theLogIsBoundedPerNodeAndAReplacedNodeNumbersFromOneWithANewUuid() throws Exception {
        try (OntapSimulator s = OntapSimulator.builder().emsLogSize(3).build().start()) {
            SimClient sc = new SimClient(s);
            for (int i = 0; i < 5; i++) {
                s.emitEvent("sim-01", "wafl.vol.full", null, null);
            }
            s.emitEvent("sim-02", "wafl.vol.full", null, null);
            SimClient.Res r = sc.get("/api/support/ems/events?node.name=sim-01");
            assertThat(keys(r)).as("the two oldest fell off: a gap after index 0").containsExactly("sim-01#3", "sim-01#4", "sim-01#5");

            String old = s.nodeUuid("sim-01");
            String fresh = s.replaceNode("sim-01");
            assertThat(fresh).isNotEqualTo(old).isEqualTo(s.nodeUuid("sim-01"));
            EmittedEvent e = s.emitEvent("sim-01", "wafl.vol.full", null, null);
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.nodeUuid()).isEqualTo(fresh);
            assertThat(keys(sc.get("/api/support/ems/events?node.name=sim-01"))).containsExactly("sim-01#1");
            assertThat(keys(sc.get("/api/support/ems/events?node.name=sim-02"))).as("other nodes untouched").containsExactly("sim-02#1");

            ObjectNode replaced = (ObjectNode) SimClient.JSON.readTree(
                    sc.post("/_simulator/ems/nodes/sim-02/replace", "").raw().body());
            assertThat(replaced.path("uuid").asText()).isEqualTo(s.nodeUuid("sim-02"));
            assertThat(sc.post("/_simulator/ems/nodes/nope/replace", "").status()).isEqualTo(404);
        }
    }

    @Test
    void theCatalogueListsTheKnownEventsAndUnknownNamesAreRefusedOnEvents() throws Exception {
        SimClient.Res all = c.get("/api/support/ems/messages?fields=*&max_records=1000");
        Set<String> names = new HashSet<>();
        all.json().path("records").forEach(m -> names.add(m.path("name").asText()));
        assertThat(names).contains("monitor.volume.nearlyFull", "monitor.volume.full", "wafl.vol.full", "wafl.vol.autoSize.fail",
                "smc.snapmir.update.fail", "smc.snapmir.init.fail", "smc.snapmir.resync.fail", "smc.snapmir.restore.fail",
                "smc.snapmir.release.fail", "sms.status.out.of.sync", "sms.status.in.sync", "callhome.arw.activity.seen",
                "mgmtgwd.jobmgr.jobcomplete.failure", "mgmtgwd.jobmgr.high.jobs");
        JsonNode full = c.get("/api/support/ems/messages?name=monitor.volume.full&fields=*").json().path("records").get(0);
        assertThat(full.path("severity").asText()).isEqualTo("alert");
        assertThat(full.path("description").asText()).isNotEmpty();
        assertThat(c.get("/api/support/ems/messages?name=monitor.volume.full|no.such.event").json().path("num_records").asInt())
                .as("Harvest intersects its names with the catalogue this way").isEqualTo(1);
        assertThat(c.get("/api/support/ems/messages/monitor.volume.full").json().path("severity").asText()).isEqualTo("alert");

        SimClient.Res unknown = events("message.name=monitor.volume.full|no.such.event");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.errorCode()).isEqualTo("262197");
        assertThat(unknown.json().path("error").path("target").asText()).isEqualTo("message.name");
        assertThat(unknown.json().path("error").path("message").asText()).contains("no.such.event");
        assertThat(events("message.name=no.such.*").status()).as("a pattern is no name").isEqualTo(200);

        sim.emitEvent("sim-01", "my.own.event", "notice", null);
        assertThat(events("message.name=my.own.event").json().path("num_records").asInt()).as("an emitted name joins the catalogue").isEqualTo(1);
    }

    @Test
    void filterNameAppliesANamedFiltersRulesAndAnUnknownOneIs983093() throws Exception {
        emitMix();
        assertThat(keys(events("filter.name=important-events"))).as("alerts; the job failure is only informational")
                .containsExactly("sim-02#1", "sim-01#3");
        assertThat(keys(events("filter.name=no-info-debug-events"))).containsExactly("sim-01#1", "sim-02#1", "sim-01#2", "sim-01#3");
        assertThat(keys(events("filter.name=default-trap-events&node.name=sim-01"))).containsExactly("sim-01#3");

        SimClient.Res bad = events("filter.name=nope");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("983093");
        assertThat(bad.json().path("error").path("target").asText()).isEqualTo("filter.name");

        assertThat(c.post("/api/support/ems/filters", "{\"name\":\"jobs\",\"rules\":[{\"type\":\"include\","
                + "\"message_criteria\":{\"name_pattern\":\"mgmtgwd.jobmgr.*\",\"severities\":\"*\"}}]}").status()).isEqualTo(201);
        assertThat(keys(events("filter.name=jobs"))).containsExactly("sim-02#2");
    }

    @Test
    void filtersAndRulesCrud() throws Exception {
        SimClient.Res builtIn = c.get("/api/support/ems/filters?fields=*");
        Set<String> names = new HashSet<>();
        builtIn.json().path("records").forEach(f -> names.add(f.path("name").asText()));
        assertThat(names).contains("default-trap-events", "important-events", "no-info-debug-events");

        SimClient.Res made = c.post("/api/support/ems/filters", "{\"name\":\"f1\"}");
        assertThat(made.status()).isEqualTo(201);
        assertThat(made.header("Location")).isEqualTo("/api/support/ems/filters/f1");
        SimClient.Res dup = c.post("/api/support/ems/filters", "{\"name\":\"f1\"}");
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.errorCode()).isEqualTo("1");
        assertThat(dup.json().path("error").path("message").asText()).contains("f1");

        assertThat(c.post("/api/support/ems/filters/f1/rules", "{\"type\":\"exclude\",\"message_criteria\":{\"name_pattern\":\"sim.*\"}}").status())
                .isEqualTo(201);
        assertThat(c.post("/api/support/ems/filters/f1/rules", "{\"index\":1,\"type\":\"include\","
                + "\"message_criteria\":{\"name_pattern\":\"wafl.*\",\"severities\":\"alert,error\"}}").status()).isEqualTo(201);
        JsonNode rules = c.get("/api/support/ems/filters/f1/rules?fields=*").json().path("records");
        assertThat(rules).hasSize(3);
        assertThat(rules.get(0).path("message_criteria").path("name_pattern").asText()).isEqualTo("wafl.*");
        assertThat(rules.get(1).path("type").asText()).isEqualTo("exclude");
        assertThat(rules.get(2).path("message_criteria").path("name_pattern").asText()).as("the implicit last rule").isEqualTo("*");
        assertThat(rules.get(2).path("type").asText()).isEqualTo("exclude");

        assertThat(c.patch("/api/support/ems/filters/f1/rules/1", "{\"message_criteria\":{\"severities\":\"alert\"}}").status()).isEqualTo(200);
        assertThat(c.get("/api/support/ems/filters/f1/rules/1").json().path("message_criteria").path("severities").asText()).isEqualTo("alert");
        assertThat(c.delete("/api/support/ems/filters/f1/rules/3").status()).as("implicit rule").isEqualTo(400);
        assertThat(c.delete("/api/support/ems/filters/f1/rules/2").status()).isEqualTo(200);
        assertThat(c.get("/api/support/ems/filters/f1/rules").json().path("num_records").asInt()).isEqualTo(2);
        assertThat(c.post("/api/support/ems/filters/f1/rules", "{\"type\":\"sometimes\"}").status()).isEqualTo(400);

        String rulesBody = "{\"rules\":[{\"type\":\"include\",\"message_criteria\":{\"name_pattern\":\"*\",\"severities\":\"emergency\"}}]}";
        assertThat(c.patch("/api/support/ems/filters/f1", rulesBody).status()).isEqualTo(200);
        assertThat(c.patch("/api/support/ems/filters/f1", rulesBody).status()).as("idempotent").isEqualTo(200);
        assertThat(c.get("/api/support/ems/filters/f1").json().path("rules")).hasSize(2);

        assertThat(c.patch("/api/support/ems/filters/important-events", rulesBody).status()).as("system-defined").isEqualTo(400);
        assertThat(c.delete("/api/support/ems/filters/important-events").status()).isEqualTo(400);
        assertThat(c.delete("/api/support/ems/filters/f1").status()).isEqualTo(200);
        assertThat(c.get("/api/support/ems/filters/f1").status()).isEqualTo(404);
        assertThat(c.send("PUT", "/api/support/ems/filters", "{}").status()).isEqualTo(405);
        assertThat(c.post("/api/support/ems/events", "{}").status()).isEqualTo(405);
    }

    @Test
    void destinationsCrud() throws Exception {
        String body = "{\"name\":\"hook\",\"type\":\"rest_api\",\"destination\":\"https://receiver.example:8443/ems\","
                + "\"filters\":[{\"name\":\"important-events\"}],\"certificate\":{\"ca\":\"MyCA\",\"serial_number\":\"1234\"}}";
        SimClient.Res made = c.post("/api/support/ems/destinations?return_records=true", body);
        assertThat(made.status()).isEqualTo(201);
        assertThat(made.json().path("records").get(0).path("type").asText()).isEqualTo("rest_api");
        SimClient.Res dup = c.post("/api/support/ems/destinations", body);
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.errorCode()).isEqualTo("1");

        JsonNode d = c.get("/api/support/ems/destinations/hook?fields=*").json();
        assertThat(d.path("destination").asText()).isEqualTo("https://receiver.example:8443/ems");
        assertThat(d.path("filters").get(0).path("name").asText()).isEqualTo("important-events");
        assertThat(d.path("certificate").path("serial_number").asText()).isEqualTo("1234");

        String patch = "{\"destination\":\"http://127.0.0.1:1/x\",\"filters\":[{\"name\":\"no-info-debug-events\"}]}";
        assertThat(c.patch("/api/support/ems/destinations/hook", patch).status()).isEqualTo(200);
        assertThat(c.patch("/api/support/ems/destinations/hook", patch).status()).as("idempotent").isEqualTo(200);
        d = c.get("/api/support/ems/destinations/hook?fields=*").json();
        assertThat(d.path("destination").asText()).isEqualTo("http://127.0.0.1:1/x");
        assertThat(d.path("filters")).hasSize(1);
        assertThat(d.path("filters").get(0).path("name").asText()).isEqualTo("no-info-debug-events");

        assertThat(c.patch("/api/support/ems/destinations/hook", "{\"filters\":[{\"name\":\"nope\"}]}").status()).isEqualTo(400);
        assertThat(c.get("/api/support/ems/destinations/hook?fields=filters").json().path("filters").get(0).path("name").asText())
                .as("a refused PATCH changes nothing").isEqualTo("no-info-debug-events");
        assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"m\",\"type\":\"email\",\"destination\":\"ops@example.com\","
                + "\"filters\":[\"important-events\"]}").status()).isEqualTo(201);
        assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"s\",\"type\":\"syslog\",\"destination\":\"loghost\"}").status())
                .isEqualTo(201);
        assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"old\",\"type\":\"rest-api\",\"destination\":\"http://h/\"}").status())
                .as("9.9's spelling").isEqualTo(201);
        assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"x\",\"type\":\"pager\",\"destination\":\"d\"}").status()).isEqualTo(400);
        assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"x\",\"type\":\"rest_api\",\"destination\":\"ftp://h\"}").status())
                .isEqualTo(400);
        assertThat(c.post("/api/support/ems/destinations", "{\"type\":\"email\",\"destination\":\"d\"}").status()).isEqualTo(400);
        assertThat(c.get("/api/support/ems/destinations").json().path("num_records").asInt()).isEqualTo(4);
        assertThat(c.delete("/api/support/ems/filters/no-info-debug-events").status()).isEqualTo(400);
        assertThat(c.delete("/api/support/ems/destinations/hook").status()).isEqualTo(200);
        assertThat(c.get("/api/support/ems/destinations/hook").status()).isEqualTo(404);
    }

    @Test
    void matchingEventsArePushedAsEscapedXmlOnceAndFailuresAreCountedNotRetried() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> types = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ems", ex -> {
            received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            types.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ems";
            assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"hook\",\"type\":\"rest_api\",\"destination\":\"" + url
                    + "\",\"filters\":[{\"name\":\"important-events\"}]}").status()).isEqualTo(201);
            assertThat(c.post("/api/support/ems/destinations", "{\"name\":\"gone\",\"type\":\"rest_api\",\"destination\":\"http://127.0.0.1:"
                    + dead + "/ems\",\"filters\":[{\"name\":\"important-events\"}]}").status()).isEqualTo(201);

            Map<String, String> hostile = new LinkedHashMap<>();
            hostile.put("name", "</event><x>&\"'");
            hostile.put("vserver_uuid", "${sys:user.home}");
            EmittedEvent full = sim.emitEvent("sim-02", "monitor.volume.full", null, hostile);
            sim.emitEvent("sim-01", "mgmtgwd.jobmgr.jobcomplete.failure", null, Map.of("jobid", "1")); // informational: filtered out

            await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().emsPushFailures() == 1 && received.size() == 1);
            Thread.sleep(300);
            assertThat(received).hasSize(1);
            assertThat(sim.stats().emsPushes()).isEqualTo(2);
            assertThat(types).containsExactly("POST application/xml; charset=utf-8");

            String xml = received.get(0);
            assertThat(xml).doesNotContain("</event><x>").contains("&lt;/event&gt;&lt;x&gt;&amp;&quot;&apos;");
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            Element root = doc.getDocumentElement();
            assertThat(root.getLocalName()).isEqualTo("netapp");
            assertThat(root.getNamespaceURI()).isEqualTo("http://www.netapp.com/filer/admin");
            assertThat(root.getAttribute("version")).isEqualTo("1.0");
            Element info = (Element) root.getElementsByTagNameNS("*", "ems-message-info").item(0);
            assertThat(text(info, "event")).isEqualTo("monitor.volume.full");
            assertThat(text(info, "severity")).isEqualTo("alert");
            assertThat(text(info, "node")).isEqualTo("sim-02");
            assertThat(text(info, "index")).isEqualTo(String.valueOf(full.index()));
            assertThat(text(info, "time")).isEqualTo("2030-01-01T00:00:00+00:00");
            assertThat(info.getElementsByTagNameNS("*", "x").getLength()).as("no injected element").isZero();
            List<String> values = new ArrayList<>();
            var params = info.getElementsByTagNameNS("*", "parameter");
            for (int i = 0; i < params.getLength(); i++) {
                values.add(text((Element) params.item(i), "value"));
            }
            assertThat(values).containsExactly("</event><x>&\"'", "${sys:user.home}");

            assertThat(Ems.escape("a\u0000b\uD800c")).as("characters XML cannot carry").isEqualTo("a\uFFFDb\uFFFDc");
        } finally {
            receiver.stop(0);
        }
    }

    private static String text(Element parent, String name) {
        return parent.getElementsByTagNameNS("*", name).item(0).getTextContent();
    }

    @Test
    void theControlApiEmitsEvents() throws Exception {
        SimClient.Res r = c.post("/_simulator/ems/events",
                "{\"node\":\"sim-02\",\"message\":\"monitor.volume.full\",\"parameters\":{\"name\":\"vol9\",\"percent_full_blocks\":\"98\"}}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("index").asLong()).isEqualTo(1);
        assertThat(r.json().path("node").path("uuid").asText()).isEqualTo(sim.nodeUuid("sim-02"));
        assertThat(c.post("/_simulator/ems/events", "{\"message\":\"wafl.vol.full\"}").json().path("node").path("name").asText())
                .isEqualTo("sim-01");
        JsonNode ev = c.get(r.json().path("_links").path("self").path("href").asText()).json();
        assertThat(ev.path("message").path("severity").asText()).isEqualTo("alert");
        assertThat(ev.path("log_message").asText()).contains("vol9").contains("98%");

        assertThat(c.post("/_simulator/ems/events", "{\"mesage\":\"x\"}").status()).isEqualTo(400);
        assertThat(c.post("/_simulator/ems/events", "{\"message\":\"x\",\"node\":\"nope\"}").status()).isEqualTo(400);
        assertThat(c.post("/_simulator/ems/events", "{\"message\":\"x\",\"severity\":\"loud\"}").json().path("error").path("target").asText())
                .isEqualTo("severity");
        assertThat(c.get("/_simulator/stats").json().has("ems_event_gets")).isTrue();
    }

    @Test
    void aScenarioFileShapesTheClusterAndEmitsEventsAndAFillingVolumeOnTheSimulatorsClock() throws Exception {
        Path file = dir.resolve("ems.yaml");
        Files.writeString(file, String.join("\n",
                "ems:",
                "  nodes:",
                "    - {name: c1-01}",
                "    - {name: c1-02, clock-skew: -5s}",
                "  log-size: 50",
                "  events:",
                "    - {node: c1-01, message: sms.status.out.of.sync, parameters: {relationship_id: r1, error_msg: lag}}",
                "    - {node: c1-02, message: sms.status.in.sync, parameters: {relationship_id: r1}, at: 30s}",
                "  volumes:",
                "    - {name: vol1, svm: vs1, node: c1-01, start: 90, step: 1, every: 10s}",
                ""));
        ScenarioFile f = ScenarioFile.load(file);
        assertThat(f.emsEvents()).hasSize(2);
        assertThat(f.emsVolumes()).hasSize(1);
        try (OntapSimulator s = OntapSimulator.builder().clock(clock).scenarioFile(f).build().start()) {
            SimClient sc = new SimClient(s);
            assertThat(s.nodeNames()).containsExactly("c1-01", "c1-02");
            assertThat(names(sc)).containsExactly("sms.status.out.of.sync");

            clock.now = clock.now.plusSeconds(30);
            assertThat(names(sc)).containsExactly("sms.status.out.of.sync", "sms.status.in.sync");
            clock.now = clock.now.plusSeconds(19);
            assertThat(names(sc)).as("at 49 s the volume is at 94 %").hasSize(2);
            clock.now = clock.now.plusSeconds(1);
            assertThat(names(sc)).as("95 % at 50 s").endsWith("monitor.volume.nearlyFull");
            clock.now = clock.now.plusSeconds(40);
            List<String> all = names(sc);
            assertThat(all).containsExactly("sms.status.out.of.sync", "sms.status.in.sync", "monitor.volume.nearlyFull", "monitor.volume.full");

            List<ObjectNode> events = s.emsEvents();
            assertThat(events.get(1).path("time").asText()).as("due time, node c1-02 5 s behind").isEqualTo("2030-01-01T00:00:25+00:00");
            assertThat(events.get(2).path("time").asText()).isEqualTo("2030-01-01T00:00:50+00:00");
            assertThat(events.get(3).path("time").asText()).as("98 % at 80 s").isEqualTo("2030-01-01T00:01:20+00:00");
            assertThat(events.get(3).path("index").asLong()).as("c1-01's third event").isEqualTo(3);
            assertThat(events.get(3).path("log_message").asText()).contains("vol1").contains("98%");
        }
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "ems:\n  nodes: [{name: a}]\n  events:\n    - {node: b, message: x.y}\n");
        assertThatThrownBy(() -> ScenarioFile.load(bad)).hasMessageContaining("ems.events[0].node").hasMessageContaining("'b'");
        Files.writeString(bad, "ems:\n  volumes:\n    - {name: v, rise: 2}\n");
        assertThatThrownBy(() -> ScenarioFile.load(bad)).hasMessageContaining("'rise'");
    }

    private static List<String> names(SimClient sc) throws Exception {
        List<String> out = new ArrayList<>();
        sc.get("/api/support/ems/events?fields=message.name&order_by=" + enc("time asc")).json().path("records")
                .forEach(r -> out.add(r.path("message").path("name").asText()));
        return out;
    }

    @Test
    void emsRequestsAreCountedAndLoggedAndOverlongUrisAnswer414() throws Exception {
        sim.stats().reset();
        c.userAgent("ems-consumer/1");
        events("message.name=wafl.vol.full|monitor.volume.full&fields=index");
        events("index=" + enc(">5"));
        c.get("/api/support/ems/messages");
        c.get("/api/cluster/jobs");

        assertThat(sim.stats().emsEventGets()).isEqualTo(2);
        assertThat(sim.stats().emsRequests()).isEqualTo(3);
        List<EmsRequest> log = sim.emsRequests();
        assertThat(log).hasSize(3);
        assertThat(log.get(0).uri()).isEqualTo("/api/support/ems/events?message.name=wafl.vol.full%7Cmonitor.volume.full&fields=index");
        assertThat(log.get(0).query()).isEqualTo("message.name=wafl.vol.full%7Cmonitor.volume.full&fields=index");
        assertThat(log.get(0).userAgent()).isEqualTo("ems-consumer/1");
        assertThat(log.get(0).method()).isEqualTo("GET");
        assertThat(log.get(0).at()).isEqualTo(clock.now);

        String longNames = "wafl.vol.full|".repeat(700) + "wafl.vol.full";
        SimClient.Res tooLong = events("message.name=" + longNames);
        assertThat(tooLong.status()).isEqualTo(414);
        assertThat(tooLong.json().path("error").has("code")).isTrue();
        assertThat(sim.emsRequests().get(3).length()).isGreaterThan(OntapSimulator.MAX_URI_LENGTH);
    }
}

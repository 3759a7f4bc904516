package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many concurrent jobs over real HTTP: distinct uuids, consistent counts, batched uuid queries. */
class SimulatorLoadTest {
    @Test
    void thousandsOfConcurrentJobs() throws Exception {
        try (OntapSimulator sim = OntapSimulator.builder().threads(16).build().start()) {
            sim.addScenario(Scenario.on("*", "*").duration(Duration.ofMinutes(1)).build());
            SimClient client = new SimClient(sim);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<String>> started = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    started.add(pool.submit(() -> client.start("/api/storage/volumes", "{\"name\":\"v\"}")));
                }
                Set<String> uuids = new HashSet<>();
                for (Future<String> f : started) {
                    uuids.add(f.get());
                }
                assertThat(uuids).hasSize(2000);
                assertThat(sim.jobCount()).isEqualTo(2000);
                assertThat(client.get("/api/cluster/jobs?return_records=false&state=running").json().path("num_records").asInt()).isEqualTo(2000);
                List<String> batch = new ArrayList<>(uuids).subList(0, 150);
                JsonNode page = client.get("/api/cluster/jobs?fields=state&uuid=" + String.join("|", batch)).json();
                assertThat(page.path("num_records").asInt()).isEqualTo(150);
                List<Future<Integer>> gets = new ArrayList<>();
                for (String u : uuids) {
                    gets.add(pool.submit(() -> client.get("/api/cluster/jobs/" + u + "?fields=state,message,error").status()));
                }
                for (Future<Integer> g : gets) {
                    assertThat(g.get()).isEqualTo(200);
                }
                assertThat(sim.stats().jobGets()).isEqualTo(2000);
                assertThat(sim.stats().triggers()).isEqualTo(2000);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}

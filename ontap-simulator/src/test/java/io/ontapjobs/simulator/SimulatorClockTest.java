package io.ontapjobs.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Jobs run by the clock the simulator is given, so that a client on virtual time sees them last virtual time. */
class SimulatorClockTest {

    /** A clock a test moves by hand. */
    static final class HandClock extends Clock {
        volatile Instant now = Instant.parse("2030-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aJobEndsWhenTheGivenClockSaysSoAndCarriesItsTimes() throws Exception {
        HandClock clock = new HandClock();
        try (OntapSimulator sim = OntapSimulator.builder().port(0).clock(clock).build().start()) {
            sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(10)).build());
            String uuid = new SimClient(sim).start("/api/storage/volumes", "{\"name\":\"v\"}");

            clock.now = clock.now.plusSeconds(9);
            assertThat(sim.job(uuid).get().get("state").asText()).isEqualTo("running");
            clock.now = clock.now.plusSeconds(1);
            assertThat(sim.job(uuid).get().get("state").asText()).isEqualTo("success");
            assertThat(sim.job(uuid).get().get("start_time").asText()).isEqualTo("2030-01-01T00:00:00+00:00");
            assertThat(sim.job(uuid).get().get("end_time").asText()).isEqualTo("2030-01-01T00:00:10+00:00");
            assertThat(sim.endInstant(uuid)).contains(Instant.parse("2030-01-01T00:00:10Z"));
        }
    }

    @Test
    void returnTimeoutOnAClockThatStandsStillAnswersAfterTheRealTimeout() throws Exception {
        HandClock clock = new HandClock();
        try (OntapSimulator sim = OntapSimulator.builder().port(0).clock(clock).build().start()) {
            sim.addScenario(Scenario.on("POST", "/api/storage/volumes").duration(Duration.ofSeconds(10)).build());

            SimClient.Res r = new SimClient(sim).post("/api/storage/volumes?return_timeout=1", "{\"name\":\"v\"}");

            assertThat(r.status()).as("still running: the usual 202, not a wait for ever").isEqualTo(202);
        }
    }
}

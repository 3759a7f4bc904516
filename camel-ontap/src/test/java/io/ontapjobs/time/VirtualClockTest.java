package io.ontapjobs.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualClockTest {
    final VirtualClock clock = new VirtualClock(Instant.parse("2030-01-01T00:00:00Z"));
    final List<String> ran = new ArrayList<>();

    private Runnable note(String what) {
        return () -> ran.add(what + " at " + clock.elapsed().toMillis());
    }

    @Test
    void tasksRunInTheOrderTheyFallDueWithTheClockAtTheirTime() {
        clock.schedule(note("b"), Duration.ofMillis(300));
        clock.schedule(note("a"), Duration.ofMillis(100));
        clock.schedule(note("c"), Duration.ofMillis(300)); // same time: in the order scheduled
        clock.schedule(() -> clock.schedule(note("d, scheduled by a task"), Duration.ofMillis(50)), Duration.ofMillis(200));
        clock.schedule(note("e, too late"), Duration.ofMillis(1001));

        clock.advance(Duration.ofSeconds(1));

        assertThat(ran).containsExactly("a at 100", "d, scheduled by a task at 250", "b at 300", "c at 300");
        assertThat(clock.now()).isEqualTo(Instant.parse("2030-01-01T00:00:01Z"));
        assertThat(clock.nanoTime()).isEqualTo(1_000_000_000L);
        assertThat(clock.pending()).isEqualTo(1);
    }

    @Test
    void aCancelledTaskNeverRunsAndZeroDelayRunsOnTheNextAdvance() {
        OntapClock.Cancellable c = clock.schedule(note("cancelled"), Duration.ofMillis(10));
        clock.schedule(note("now"), Duration.ofMillis(-5));
        c.cancel();

        clock.advance(Duration.ZERO);

        assertThat(ran).containsExactly("now at 0");
    }

    @Test
    void theSettleStepRunsBeforeTimeMovesAndAfterEachTask() {
        clock.settleWith(() -> ran.add("settle at " + clock.elapsed().toMillis()));
        clock.schedule(note("a"), Duration.ofMillis(100));

        clock.advance(Duration.ofMillis(200));

        assertThat(ran).containsExactly("settle at 0", "a at 100", "settle at 100");
        assertThat(clock.asClock().instant()).isEqualTo(clock.now());
    }
}

package io.ontapjobs.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The page's "job polls, last minute": what happened in the 60 s before now, from the service's own counts. */
class LastMinuteTest {
    @Test
    void countsTheLastSixtySecondsOnly() {
        var window = new MicrometerMetrics.LastMinute();
        long t = 1_000_000_000L;
        window.add(t);
        window.add(t + 500);
        window.add(t + 30_000);

        assertThat(window.count(t + 30_000)).isEqualTo(3);
        assertThat(window.count(t + 60_000)).as("the first second has left the window").isEqualTo(1);
        window.add(t + 61_000); // the bucket of 60 s before is reused, emptied first
        assertThat(window.count(t + 61_000)).isEqualTo(2);
        assertThat(window.count(t + 121_000)).isZero();
    }
}

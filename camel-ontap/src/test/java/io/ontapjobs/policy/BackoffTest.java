package io.ontapjobs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    /** nextDouble() is 0: the lowest jitter factor. */
    static final RandomGenerator LOWEST = () -> 0L;
    /** nextDouble() is just below 1: the highest jitter factor. */
    static final RandomGenerator HIGHEST = () -> -1L;

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void growsFromInitialByTheMultiplierUntilTheCap() {
        Backoff b = new Backoff(ms(500), 2, Duration.ofSeconds(30), 0);
        assertThat(b.delay(1)).isEqualTo(ms(500));
        assertThat(b.delay(2)).isEqualTo(ms(1000));
        assertThat(b.delay(3)).isEqualTo(ms(2000));
        assertThat(b.delay(6)).isEqualTo(ms(16000));
        assertThat(b.delay(7)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.delay(8)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.delay(0)).as("below 1 counts as 1").isEqualTo(ms(500));
        assertThat(new Backoff(ms(1000), 1.5, Duration.ofMinutes(1), 0).delay(3)).isEqualTo(ms(2250));
        assertThat(new Backoff(ms(700), 1, Duration.ofMinutes(1), 0).delay(50)).isEqualTo(ms(700));
        assertThat(new Backoff(Duration.ofMinutes(1), 2, Duration.ofSeconds(10), 0).delay(1))
                .as("max below initial caps the first delay too").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void jitterIsSymmetricAroundTheNominalDelayIncludingAtTheCap() {
        Backoff b = new Backoff(ms(1000), 2, ms(4000), 0.2);
        assertThat(b.delay(1, LOWEST)).isEqualTo(ms(800));
        assertThat(b.delay(1, HIGHEST)).isEqualTo(ms(1200));
        assertThat(b.delay(10, LOWEST)).isEqualTo(ms(3200));
        assertThat(b.delay(10, HIGHEST)).as("never above max x (1 + jitter)").isEqualTo(ms(4800));
        Random seeded = new Random(42);
        for (int attempt = 1; attempt <= 20; attempt++) {
            long nominal = Math.min(4000, 1000L << (attempt - 1));
            for (int i = 0; i < 200; i++) {
                assertThat(b.delay(attempt, seeded)).isBetween(ms(Math.round(nominal * 0.8)), ms(Math.round(nominal * 1.2)));
            }
        }
        Backoff full = new Backoff(ms(1000), 2, ms(4000), 1);
        assertThat(full.delay(1, LOWEST)).as("never negative").isEqualTo(Duration.ZERO);
        assertThat(full.delay(30, HIGHEST)).isEqualTo(ms(8000));
    }

    @Test
    void withoutJitterNothingIsDrawn() {
        RandomGenerator refuses = () -> {
            throw new AssertionError("drew a random number");
        };
        assertThat(new Backoff(ms(100), 2, ms(1000), 0).delay(3, refuses)).isEqualTo(ms(400));
        assertThatThrownBy(() -> new Backoff(ms(100), 2, ms(1000), 0.1).delay(3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void hugeAttemptsStayAtTheCap() {
        for (Backoff b : new Backoff[] {new Backoff(ms(500), 2, Duration.ofSeconds(30), 0.2),
                new Backoff(ms(1), 10, Duration.ofDays(365), 0.2), new Backoff(ms(3), 1.01, ms(5), 0.2)}) {
            for (int attempt : new int[] {1000, 100_000, Integer.MAX_VALUE}) {
                assertThat(b.delay(attempt, LOWEST)).as(b + " at " + attempt).isEqualTo(b.delay(60_000, LOWEST));
                assertThat(b.delay(attempt, HIGHEST)).as(b + " at " + attempt).isEqualTo(b.delay(60_000, HIGHEST));
            }
        }
        assertThat(new Backoff(ms(500), 2, Duration.ofSeconds(30), 0.2).delay(1000, HIGHEST)).isEqualTo(Duration.ofSeconds(36));
        assertThat(new Backoff(Duration.ZERO, 2, ms(100), 0.2).delay(1000, HIGHEST)).isEqualTo(Duration.ZERO);
    }

    @Test
    void slowGrowthReachesTheCapAtTheSameAttemptAsTheUnclampedFormula() {
        Backoff b = new Backoff(ms(7), 1.01, ms(1000), 0);
        for (int attempt = 1; attempt <= 2000; attempt++) {
            long unclamped = Math.round(Math.min(1000, 7 * Math.pow(1.01, attempt - 1)));
            assertThat(b.delay(attempt)).as("attempt " + attempt).isEqualTo(ms(unclamped));
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new Backoff(ms(-1), 2, ms(10), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), 2, ms(-10), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), 0.5, ms(10), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), Double.NaN, ms(10), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), 2, ms(10), 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), 2, ms(10), -0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PollSettings(ms(500), ms(1000), 0.5, 0.2)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The hand-written formulas Backoff replaced, as they were: the same seed must give the same delays. */
    @Test
    void givesTheDelaysOfTheFormulasItReplaced() {
        PollSettings poll = new PollSettings(ms(500), Duration.ofSeconds(30), 2.0, 0.2);
        Random a = new Random(7);
        Random b = new Random(7);
        for (int n = 1; n <= 40; n++) {
            double nominal = Math.min(30_000, 500 * Math.pow(2, n - 1));
            double factor = 1 - 0.2 + a.nextDouble() * 2 * 0.2;
            assertThat(poll.delayBefore(n, b)).isEqualTo(ms(Math.max(1, Math.round(nominal * factor))));
        }
        Policy policy = Policies.parse("policies:\n  p:\n    rules:\n      - when: {code: [5]}\n        then: retry\n"
                + "        max-attempts: 100000\n        backoff: 3s\n", "x.yaml").get("p");
        Observation five = Observation.trigger(500, "5", "busy");
        for (int attempt = 1; attempt <= 40; attempt++) {
            double nominal = 3000 * Math.pow(2, attempt - 1);
            long old = Math.min(Duration.ofMinutes(10).toMillis(), Math.round(nominal * (0.8 + 0.4 * a.nextDouble())));
            assertThat(policy.decide(five, attempt, b).delay()).as("attempt " + attempt).isEqualTo(ms(old));
        }
        Backoff unsent = new Backoff(ms(500), 2, Duration.ofSeconds(30), 0);
        Backoff pollErrors = new Backoff(ms(200), 2, Duration.ofSeconds(30), 0);
        Backoff deliveries = new Backoff(Duration.ofSeconds(1), 2, Duration.ofMinutes(5), 0);
        for (int k = 0; k < 40; k++) {
            assertThat(unsent.delay(k + 1).toMillis()).isEqualTo((long) Math.min(30_000, 500 * Math.pow(2, Math.min(k, 10))));
            if (k >= 1) {
                assertThat(pollErrors.delay(k).toMillis()).isEqualTo((long) Math.min(30_000, 100 * Math.pow(2, Math.min(k, 12))));
            }
            assertThat(deliveries.delay(k + 1).toMillis()).isEqualTo(Math.min(300_000, 1000L << Math.min(k, 20)));
        }
    }
}

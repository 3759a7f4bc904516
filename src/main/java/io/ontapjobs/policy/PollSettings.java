package io.ontapjobs.policy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How often a job is read: exponential backoff from the job's start, with jitter so that jobs started together
 * do not poll together.
 *
 * @param initial    the delay before the first poll
 * @param max        the longest delay between two polls
 * @param multiplier growth per poll (at least 1)
 * @param jitter     fraction of each delay drawn at random, 0..1 (0.2: uniform in [0.8, 1.2] × nominal)
 */
public record PollSettings(Duration initial, Duration max, double multiplier, double jitter) {
    public static final PollSettings DEFAULT = new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2);

    /** The delay before poll number {@code pollNumber} (1 = the first). */
    public Duration delayBefore(int pollNumber, RandomGenerator random) {
        double nominal = Math.min(max.toMillis(), initial.toMillis() * Math.pow(multiplier, Math.max(0, pollNumber - 1)));
        double factor = jitter == 0 ? 1 : 1 - jitter + random.nextDouble() * 2 * jitter;
        return Duration.ofMillis(Math.max(1, Math.round(nominal * factor)));
    }
}

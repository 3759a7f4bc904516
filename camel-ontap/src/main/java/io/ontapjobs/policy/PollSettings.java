package io.ontapjobs.policy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How often a job is read: exponential backoff from the job's start, with jitter so that jobs started together
 * do not poll together.
 *
 * @param initial    the delay before the first poll
 * @param max        the longest delay between two polls, before jitter
 * @param multiplier growth per poll (at least 1)
 * @param jitter     fraction of each delay drawn at random, 0..1 (0.2: uniform in [0.8, 1.2] × nominal)
 */
public record PollSettings(Duration initial, Duration max, double multiplier, double jitter) {
    public static final PollSettings DEFAULT = new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2);

    public PollSettings {
        backoff(initial, max, multiplier, jitter); // bad ontap.poll.* values fail at start, not at the first poll
    }

    /** The delay before poll number {@code pollNumber} (1 = the first); at least 1 ms, so a job is never read in a loop. */
    public Duration delayBefore(int pollNumber, RandomGenerator random) {
        Duration delay = backoff(initial, max, multiplier, jitter).delay(pollNumber, random);
        return delay.isZero() ? Duration.ofMillis(1) : delay;
    }

    private static Backoff backoff(Duration initial, Duration max, double multiplier, double jitter) {
        return new Backoff(initial, multiplier, max, jitter);
    }
}

package io.ontapjobs.policy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff: the one formula behind job polling, retry rules, unsent triggers, failed job reads and
 * outcome deliveries. Immutable and thread-safe.
 * <p>
 * The delay before attempt {@code n} (1 = the first) is {@code min(max, initial × multiplier^(n-1))}, the nominal
 * delay, then multiplied by a factor drawn uniformly from {@code [1 - jitter, 1 + jitter]} and rounded to the
 * millisecond. So a delay is never negative, and never above {@code max × (1 + jitter)}: the cap applies before the
 * jitter, so that callers capped together still spread out. A caller that needs a hard ceiling applies it itself.
 * {@code max} below {@code initial} is allowed: every delay is then nominally {@code max}.
 */
public final class Backoff {
    private final Duration initial;
    private final double multiplier;
    private final Duration max;
    private final double jitter;
    /** The smallest exponent whose nominal delay reaches max: larger ones change nothing, and would overflow. */
    private final int capExponent;

    /**
     * @param initial    the delay before the first attempt (at least 0)
     * @param multiplier growth per attempt (at least 1)
     * @param max        the longest nominal delay (at least 0)
     * @param jitter     fraction of each delay drawn at random, 0..1 (0 draws nothing)
     */
    public Backoff(Duration initial, double multiplier, Duration max, double jitter) {
        if (initial.isNegative() || max.isNegative()) {
            throw new IllegalArgumentException("backoff delays must not be negative: initial " + initial + ", max " + max);
        }
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff multiplier must be at least 1: " + multiplier);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff jitter must be within 0..1: " + jitter);
        }
        this.initial = initial;
        this.multiplier = multiplier;
        this.max = max;
        this.jitter = jitter;
        this.capExponent = capExponent(initial.toMillis(), multiplier, max.toMillis());
    }

    private static int capExponent(long initialMillis, double multiplier, long maxMillis) {
        if (initialMillis == 0 || multiplier == 1 || initialMillis >= maxMillis) {
            return 0;
        }
        // the logarithm gives the answer up to rounding; the loops make it exact against the same pow() delay uses
        int k = (int) Math.ceil(Math.log((double) maxMillis / initialMillis) / Math.log(multiplier));
        while (k > 0 && initialMillis * Math.pow(multiplier, k - 1) >= maxMillis) {
            k--;
        }
        while (initialMillis * Math.pow(multiplier, k) < maxMillis) {
            k++;
        }
        return k;
    }

    /** The delay before attempt {@code attempt} (1 = the first; less counts as 1). */
    public Duration delay(int attempt, RandomGenerator random) {
        double nominal = nominalMillis(attempt);
        double factor = jitter == 0 ? 1 : 1 - jitter + random.nextDouble() * 2 * jitter;
        return Duration.ofMillis(Math.round(nominal * factor));
    }

    /** The delay before attempt {@code attempt}, for a backoff without jitter. */
    public Duration delay(int attempt) {
        if (jitter != 0) {
            throw new IllegalStateException("a backoff with jitter needs a random generator");
        }
        return Duration.ofMillis(Math.round(nominalMillis(attempt)));
    }

    private double nominalMillis(int attempt) {
        int exponent = Math.min(Math.max(0, attempt - 1), capExponent);
        return Math.min(max.toMillis(), initial.toMillis() * Math.pow(multiplier, exponent));
    }

    @Override
    public String toString() {
        return "Backoff[initial=" + initial + ", multiplier=" + multiplier + ", max=" + max + ", jitter=" + jitter + "]";
    }
}

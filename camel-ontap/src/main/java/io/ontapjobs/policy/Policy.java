package io.ontapjobs.policy;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A named policy: how to poll, how long to wait, what to do on timeout, and ordered rules on what happened.
 *
 * @param retryUnsafe   allow sending a trigger again when it may have reached the cluster (read timeout, reset):
 *                      off by default, because the object may exist already
 * @param returnTimeout ONTAP's return_timeout (0-120 s) for triggers that set none, or {@code null}
 */
public record Policy(String name, PollSettings poll, Duration timeout, OnTimeout onTimeout, List<Rule> rules, boolean retryUnsafe,
                     Integer returnTimeout) {
    static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(10);
    static final double RETRY_JITTER = 0.2;
    /**
     * Retry delays are capped after the jitter, at exactly {@link #MAX_RETRY_DELAY}. A nominal delay capped at
     * MAX_RETRY_DELAY / (1 - jitter) is at least MAX_RETRY_DELAY once jittered, so capping the result again gives
     * the same delays as the uncapped doubling did, without its overflow.
     */
    private static final Duration RETRY_NOMINAL_CAP = Duration.ofMillis(Math.round(MAX_RETRY_DELAY.toMillis() / (1 - RETRY_JITTER)));

    /**
     * The first matching rule decides. A retry past its max-attempts becomes a fail.
     *
     * @param attempt the attempt that produced the observation (1 = the first)
     */
    public Decision decide(Observation o, int attempt, RandomGenerator random) {
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            if (!rule.when().matches(o)) {
                continue;
            }
            String which = "rule " + (i + 1) + " of policy '" + name + "' (line " + rule.line() + ")";
            if (rule.then() != Action.RETRY) {
                return new Decision(rule.then(), Duration.ZERO, which + ": " + rule.then().word());
            }
            if (attempt >= rule.maxAttempts()) {
                return new Decision(Action.FAIL, Duration.ZERO, "gave up after " + attempt + " attempts (" + which + ")");
            }
            Duration delay = new Backoff(rule.backoff(), 2, RETRY_NOMINAL_CAP, RETRY_JITTER).delay(attempt, random);
            if (delay.compareTo(MAX_RETRY_DELAY) > 0) {
                delay = MAX_RETRY_DELAY;
            }
            return new Decision(Action.RETRY, delay, which + ": retry, attempt " + (attempt + 1) + " of " + rule.maxAttempts());
        }
        return Decision.NONE;
    }

    public boolean mayRetryUncertainTrigger() {
        return retryUnsafe;
    }
}

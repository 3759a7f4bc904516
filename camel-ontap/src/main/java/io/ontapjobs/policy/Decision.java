package io.ontapjobs.policy;

import java.time.Duration;

/**
 * A policy's answer to an observation.
 *
 * @param action {@code null} when no rule matched: the caller applies the defaults (success succeeds, failure fails)
 * @param delay  for retry, how long to wait before the next attempt
 * @param reason the rule in words, for logs and outcomes
 */
public record Decision(Action action, Duration delay, String reason) {
    static final Decision NONE = new Decision(null, Duration.ZERO, null);
}

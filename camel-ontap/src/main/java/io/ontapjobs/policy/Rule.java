package io.ontapjobs.policy;

import java.time.Duration;

/**
 * One ordered rule of a policy.
 *
 * @param maxAttempts for retry: attempts in all, the first included
 * @param backoff     for retry: the delay before the second attempt; doubles with each further one
 * @param line        where the rule starts in its file, for messages
 */
public record Rule(Condition when, Action then, int maxAttempts, Duration backoff, int line) {
}

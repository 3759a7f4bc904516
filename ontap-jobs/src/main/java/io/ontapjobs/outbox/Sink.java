package io.ontapjobs.outbox;

import java.time.Duration;

/** A place outcomes are delivered to. Deliveries are at-least-once: a sink must tolerate the same outcome twice. */
public interface Sink {

    /** How one delivery went. */
    record Result(Kind kind, Duration retryAfter, String reason) {
        public enum Kind { DELIVERED, RETRY, REFUSED }

        public static final Result DELIVERED = new Result(Kind.DELIVERED, null, null);

        public static Result retry(Duration after, String reason) {
            return new Result(Kind.RETRY, after, reason);
        }

        public static Result refused(String reason) {
            return new Result(Kind.REFUSED, null, reason);
        }
    }

    /**
     * @param id      the outcome's stable id (its CloudEvents id)
     * @param outcome the CloudEvents JSON
     */
    Result deliver(String id, String outcome);
}

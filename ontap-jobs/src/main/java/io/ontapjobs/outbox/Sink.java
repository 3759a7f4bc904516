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

    /**
     * The longest one delivery can take, as its timeouts bound it: the outbox claims each delivery for twice that,
     * and at least {@code OutboxQueue.DEFAULT_LEASE}, so that no other replica sends it meanwhile.
     */
    default Duration longestSend() {
        return Duration.ofSeconds(10);
    }

    /**
     * The most deliveries the outbox claims for this sink at once ({@code OutboxQueue.claimBatch}): sent one after
     * the other, then all recorded in one transaction. A batch holds its deliveries away from other replicas until it
     * is recorded, so a sink whose sends are slow takes fewer at a time.
     */
    default int batchSize() {
        return 100;
    }
}

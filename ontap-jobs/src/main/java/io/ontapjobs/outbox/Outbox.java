package io.ontapjobs.outbox;

import io.ontapjobs.files.FileModes;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.policy.Backoff;
import io.ontapjobs.store.OperationStore;
import io.ontapjobs.store.OutboxQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers outcomes from the store's outbox to each sink, in batches (claimed together, sent one by one, their
 * results recorded together), each acknowledged on its own and retried with exponential
 * backoff (or the sink's {@code Retry-After}) until it succeeds. Deliveries survive restarts. A delivery is marked
 * done only after its sink took it, so a crash in between delivers it again: sinks are idempotent (one file per
 * id) or give consumers the stable outcome id to deduplicate on. A delivery older than {@code maxAge} goes to the
 * dead-letter folder and is reported. Each sink is delivered to on its own ({@link #deliverDue(String)}), so a slow
 * or unreachable webhook holds up neither the other sinks nor anything else, and a failing sink is paused as a
 * whole rather than asked again for every waiting outcome.
 */
public class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    /** Deliveries that failed in a row: 1 s doubling up to 5 min, no jitter. */
    private static final Backoff RETRY_BACKOFF = new Backoff(Duration.ofSeconds(1), 2, Duration.ofMinutes(5), 0);

    private final OutboxQueue queue;
    private final Map<String, Sink> sinks;
    private final Duration maxAge;
    private final Path deadLetters;
    private final OntapMetrics metrics;
    private final Map<String, Pause> pauses = new java.util.concurrent.ConcurrentHashMap<>();
    private final String fileMode;

    /** How the service configured delivery: {@code ontap.outcomes.webhook.max-age}, the dead-letter folder, file mode, health threshold. */
    public record Settings(Duration maxAge, Path deadLetters, String fileMode, long maxPending) {
    }

    public Outbox(OperationStore store, Map<String, Sink> sinks, Duration maxAge, Path deadLetters, OntapMetrics metrics) {
        this(store, sinks, maxAge, deadLetters, metrics, FileModes.DEFAULT);
    }

    /** @param fileMode the dead-letter files' mode in octal ({@code ontap.files.mode}); folders made for them 0750 */
    public Outbox(OperationStore store, Map<String, Sink> sinks, Duration maxAge, Path deadLetters, OntapMetrics metrics, String fileMode) {
        this.fileMode = FileModes.check(fileMode);
        this.metrics = metrics;
        this.queue = store.outbox();
        this.sinks = Map.copyOf(sinks);
        this.maxAge = maxAge;
        this.deadLetters = deadLetters;
    }

    /**
     * Delivers what is due for one sink, oldest first, in batches of up to {@link Sink#batchSize()} until none is
     * left: one transaction claims a batch, its sends are made with no connection held, one transaction records them. A delivery to retry pauses
     * the whole sink, for longer after each failure in a row (1 s up to 5 min, or the receiver's Retry-After): a
     * receiver that is down gets one attempt per pause, not one per waiting outcome, and costs one timeout each.
     */
    public void deliverDue(String sinkName) {
        Sink sink = sinks.get(sinkName);
        Pause pause = pauses.computeIfAbsent(sinkName, k -> new Pause());
        if (pause.failures > 0 && System.nanoTime() - pause.untilNanos < 0) {
            return;
        }
        // a batch at a time, claimed while it is delivered (a lease, no lock or connection held while the sink is
        // called): replicas sharing the store never send the same one at the same time
        Duration lease = max(OutboxQueue.DEFAULT_LEASE, sink.longestSend().multipliedBy(2));
        long longestSend = sink.longestSend().toNanos();
        while (true) {
            long claimedAt = System.nanoTime(); // before the claim: its lease ends later than this measures
            boolean more = true;
            boolean full;
            try (OutboxQueue.Batch batch = queue.claimBatch(sinkName, Instant.now(), lease, sink.batchSize())) {
                full = batch.claims().size() == sink.batchSize();
                for (OutboxQueue.Claim claim : batch.claims()) {
                    // a send that could end after the lease is not begun: the claims left are released (due again at
                    // once), so that no other replica can have taken one that this one is still sending
                    if (System.nanoTime() - claimedAt + longestSend > lease.toNanos()) {
                        full = true;
                        break;
                    }
                    if (!deliver(sink, claim, pause)) {
                        more = false; // paused: the rest of the batch is released, due again after the pause
                        break;
                    }
                }
            } // recorded here, in one transaction: results noted, claims without one released
            if (!more || !full) {
                return; // paused, or what was due is done (the next wake-up or poll finds what came since)
            }
        }
    }

    /** @return whether to go on with the next delivery (false: the sink is paused, or this one must wait) */
    private boolean deliver(Sink sink, OutboxQueue.Claim claim, Pause pause) {
        OutboxQueue.Delivery d = claim.delivery();
        Sink.Result r;
        try {
            r = sink.deliver(d.outcomeId(), d.outcome());
        } catch (RuntimeException e) {
            r = Sink.Result.retry(null, e.toString());
        }
        switch (r.kind()) {
            case DELIVERED -> {
                claim.delivered();
                pause.failures = 0;
            }
            case REFUSED -> { // the receiver answers: it is up, it just does not want this one
                metrics.deliveryFailed(d.sink());
                LOG.error("Outcome {} refused by {}: {}", d.outcomeId(), d.sink(), r.reason());
                claim.finished("refused", r.reason());
                pause.failures = 0;
            }
            case RETRY -> {
                retry(claim, r);
                pause.untilNanos = System.nanoTime() + backoffMillis(pause.failures++, r.retryAfter()) * 1_000_000;
                return false;
            }
        }
        return true;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A sink's failures in a row and when to try it again; only that sink's delivery thread touches it. */
    private static final class Pause {
        volatile int failures;
        volatile long untilNanos;
    }

    /** 1 s doubling up to 5 min after {@code failures} earlier failures, or longer when the receiver asks. */
    private static long backoffMillis(int failures, Duration retryAfter) {
        long backoff = RETRY_BACKOFF.delay(failures + 1).toMillis();
        return retryAfter == null ? backoff : Math.max(backoff, retryAfter.toMillis());
    }

    private void retry(OutboxQueue.Claim claim, Sink.Result r) {
        OutboxQueue.Delivery d = claim.delivery();
        metrics.deliveryFailed(d.sink());
        if (Duration.between(d.queuedAt(), Instant.now()).compareTo(maxAge) > 0) {
            deadLetter(claim, r.reason());
            return;
        }
        long backoff = backoffMillis(d.attempts(), r.retryAfter());
        LOG.warn("Delivery of outcome {} to {} failed (attempt {}): {}; next try in {} ms", d.outcomeId(), d.sink(),
                d.attempts() + 1, r.reason(), backoff);
        claim.failed(Instant.now().plusMillis(backoff), String.valueOf(r.reason()));
    }

    private void deadLetter(OutboxQueue.Claim claim, String reason) {
        OutboxQueue.Delivery d = claim.delivery();
        Path dir = deadLetters.resolve(d.sink().replaceAll("[^A-Za-z0-9._-]", "_"));
        try {
            FileModes.createDirectories(dir);
            Path tmp = dir.resolve("." + d.outcomeId() + ".json.tmp");
            Files.deleteIfExists(tmp); // a leftover of a crash: made anew with our mode
            Files.createFile(tmp);
            FileModes.setFileMode(tmp, FileModes.permissions(fileMode)); // before the outcome is written into it
            Files.writeString(tmp, d.outcome());
            Files.move(tmp, dir.resolve(d.outcomeId() + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.error("Outcome {} could not be written to the dead-letter folder {}: {}", d.outcomeId(), dir, e.getMessage());
            return; // stays in the outbox; tried again
        }
        LOG.error("Outcome {} not delivered to {} within {}: moved to {} (last error: {})", d.outcomeId(), d.sink(), maxAge,
                dir.resolve(d.outcomeId() + ".json"), reason);
        claim.finished("dead-lettered", reason);
    }
}

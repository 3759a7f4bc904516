package io.ontapjobs.ontap;

import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The REST calls to one cluster: at most {@code max-concurrent-requests} at once, in order, except that job polls
 * ({@link #executeFirst}) go before anything still queued. A burst of thousands of triggers then cannot hold back
 * the polls that notice their jobs' ends: a trigger waits a few milliseconds more, an end is not seen seconds late.
 */
public final class ClusterCalls extends ThreadPoolExecutor {
    private final AtomicLong order = new AtomicLong();

    public ClusterCalls(String cluster, int threads) {
        super(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), threadFactory(cluster));
    }

    private static java.util.concurrent.ThreadFactory threadFactory(String cluster) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "ontap-" + cluster + "-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Queued behind what is already waiting (triggers, cancels, reads). */
    @Override
    public void execute(Runnable task) {
        super.execute(task instanceof Ranked ? task : new Ranked(1, order.incrementAndGet(), task));
    }

    /** Queued before everything that is not itself first (job polls). */
    public void executeFirst(Runnable task) {
        super.execute(new Ranked(0, order.incrementAndGet(), task));
    }

    /** A task with its rank (0 first) and arrival: the queue orders by rank, then by arrival. */
    private record Ranked(int rank, long arrival, Runnable task) implements Runnable, Comparable<Ranked> {
        @Override
        public void run() {
            task.run();
        }

        @Override
        public int compareTo(Ranked other) {
            return rank != other.rank ? Integer.compare(rank, other.rank) : Long.compare(arrival, other.arrival);
        }
    }
}

package io.ontapjobs.ontap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Polls overtake queued triggers; everything else keeps its order. */
class ClusterCallsTest {

    @Test
    void pollsGoBeforeQueuedTriggersAndEachKindKeepsItsOrder() throws Exception {
        ClusterCalls calls = new ClusterCalls("c1", 1);
        try {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            calls.execute(() -> {
                busy.countDown();
                await(release);
            });
            assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue(); // the only thread is taken: the rest queue up
            List<String> ran = new CopyOnWriteArrayList<>();
            CountDownLatch all = new CountDownLatch(5);
            for (String task : List.of("trigger-1", "trigger-2", "poll-1", "trigger-3", "poll-2")) {
                Runnable r = () -> {
                    ran.add(task);
                    all.countDown();
                };
                if (task.startsWith("poll")) {
                    calls.executeFirst(r);
                } else {
                    calls.execute(r);
                }
            }
            release.countDown();

            assertThat(all.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(ran).containsExactly("poll-1", "poll-2", "trigger-1", "trigger-2", "trigger-3");
        } finally {
            calls.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.ontapjobs.operation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An operation's steps: one at a time, in the order given, whichever threads give them. */
class SerialStepsTest {

    @Test
    void aStepGivenByAStepRunsAfterIt() {
        SerialSteps steps = new SerialSteps();
        List<String> order = new ArrayList<>();

        steps.execute(() -> {
            order.add("first begins");
            steps.execute(() -> order.add("second"));
            order.add("first ends");
        });

        assertThat(order).containsExactly("first begins", "first ends", "second");
    }

    @Test
    void stepsOfManyThreadsNeverOverlapAndAllRun() throws Exception {
        SerialSteps steps = new SerialSteps();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] count = {0}; // a plain field, written by every step: safe only if the steps never overlap
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int t = 0; t < 4; t++) {
                threads.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < 10_000; i++) {
                        steps.execute(() -> {
                            if (inside.incrementAndGet() > 1) {
                                overlaps.incrementAndGet();
                            }
                            count[0]++;
                            inside.decrementAndGet();
                        });
                    }
                });
            }
            start.countDown();
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            threads.shutdownNow();
        }
        CountDownLatch last = new CountDownLatch(1);
        steps.execute(last::countDown);
        assertThat(last.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(overlaps).hasValue(0);
        assertThat(count[0]).isEqualTo(40_000);
    }

    @Test
    void aStepThatThrowsDoesNotStopTheNext() {
        SerialSteps steps = new SerialSteps();
        List<String> order = new ArrayList<>();
        try {
            steps.execute(() -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            order.add("thrown");
        }
        steps.execute(() -> order.add("next"));

        assertThat(order).containsExactly("thrown", "next");
    }
}

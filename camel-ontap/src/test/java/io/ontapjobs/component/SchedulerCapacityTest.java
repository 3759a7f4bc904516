package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.time.OntapClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/**
 * Every waiting job has its deadline queued on the component's timer: ten thousand jobs in flight are ten thousand
 * queued tasks. Camel's default thread pool profile refuses the 1001st, which ended an operation "lost" in the
 * benchmark's 1,000-job run; the component's own timer takes them all.
 */
class SchedulerCapacityTest {

    @Test
    void theSystemClockQueuesTenThousandDeadlines() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            OntapComponent ontap = new OntapComponent();
            context.addComponent("ontap", ontap);
            context.start();
            OntapClock clock = ontap.clock();
            CountDownLatch fired = new CountDownLatch(10_000);
            List<OntapClock.Cancellable> later = new ArrayList<>();

            // all queued at once, as ten thousand jobs' deadlines are: a bounded queue refuses the 1001st
            for (int i = 0; i < 10_000; i++) {
                later.add(clock.schedule(() -> { }, Duration.ofHours(1)));
                clock.schedule(fired::countDown, Duration.ofMillis(200));
            }

            assertThat(fired.await(30, TimeUnit.SECONDS)).as("every deadline fires, none is refused or dropped").isTrue();
            later.forEach(OntapClock.Cancellable::cancel);
        }
    }
}

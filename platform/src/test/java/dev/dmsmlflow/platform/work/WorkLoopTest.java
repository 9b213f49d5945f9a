package dev.dmsmlflow.platform.work;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkLoopTest {

    private static final Logger LOG = Logger.getLogger(WorkLoopTest.class);

    @Test
    void reconcilesFirstThenDispatchesWhenWokenAndNeverRunsTwoStepsOfOneKeyAtOnce() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        CountDownLatch twoRounds = new CountDownLatch(2);
        WorkLoop[] loop = new WorkLoop[1];
        Runnable step = () -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            concurrent.decrementAndGet();
        };
        loop[0] = new WorkLoop("test-loop", "test-step", 4, Duration.ofHours(1), Duration.ofSeconds(5),
                () -> order.add("reconcile"),
                () -> {
                    order.add("dispatch");
                    loop[0].submitFor("a", "step of a", step);
                    loop[0].submitFor("a", "step of a", step); // the same aggregate again: refused while one runs
                    twoRounds.countDown();
                }, LOG);
        loop[0].start();
        try {
            assertTrue(started.await(10, TimeUnit.SECONDS));
            loop[0].wake(); // a second round while the first step of "a" still runs
            assertTrue(twoRounds.await(10, TimeUnit.SECONDS), "woken, the loop dispatched again: " + order);
            assertEquals("reconcile", order.get(0));
            assertTrue(order.stream().filter("dispatch"::equals).count() >= 2, order.toString());
            assertEquals(1, maxConcurrent.get(), "one step of an aggregate at a time");
        } finally {
            release.countDown();
            loop[0].stop();
        }
        assertFalse(loop[0].running());
    }

    @Test
    void aFailedStepWaitsItsPauseBeforeItIsTriedAgain() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        CountDownLatch secondTry = new CountDownLatch(1);
        long[] times = new long[2];
        WorkLoop[] loop = new WorkLoop[1];
        loop[0] = new WorkLoop("retry-loop", "retry-step", 1, Duration.ofMillis(20), Duration.ofSeconds(5), () -> { },
                () -> loop[0].submitFor("b", "step of b", () -> {
                    int n = tries.incrementAndGet();
                    if (n <= 2) {
                        times[n - 1] = System.nanoTime();
                    }
                    if (n == 1) {
                        throw new IllegalStateException("first try fails");
                    }
                    secondTry.countDown();
                }), LOG);
        loop[0].start();
        try {
            assertTrue(secondTry.await(10, TimeUnit.SECONDS), "the failed step was tried again");
            long pauseMillis = (times[1] - times[0]) / 1_000_000;
            assertTrue(pauseMillis >= 1900, "tried again after " + pauseMillis + " ms, not after the 2 s pause");
        } finally {
            loop[0].stop();
        }
    }
}

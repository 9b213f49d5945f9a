package dev.dmsmlflow.tracking.health;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How {@link Readiness} combines, bounds and caches its checks (no server: checks here are plain test checks). */
class ReadinessTest {

    private final List<Readiness> opened = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();

    @AfterEach
    void close() {
        opened.forEach(Readiness::close);
    }

    /** A check whose outcome the test sets and whose runs it counts; blocks while {@code gate} is closed. */
    static class TestCheck implements ReadinessCheck {
        final String name;
        final Duration timeout;
        final AtomicReference<Outcome> outcome = new AtomicReference<>(Outcome.ok());
        final AtomicInteger runs = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);

        TestCheck(String name, Duration timeout) {
            this.name = name;
            this.timeout = timeout;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public Outcome run() {
            runs.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return outcome.get();
        }
    }

    private Readiness readiness(Duration ttl, ReadinessCheck... checks) {
        Readiness r = new Readiness(List.of(checks), ttl, now::get);
        opened.add(r);
        return r;
    }

    private static Readiness.Report get(Readiness r) throws Exception {
        return r.report().get(10, TimeUnit.SECONDS);
    }

    @Test
    void upWhenEveryCheckIsUpWithTheChecksInTheirOrder() throws Exception {
        Readiness r = readiness(Duration.ZERO, new TestCheck("database", Duration.ofSeconds(2)),
                new TestCheck("artifact-store", Duration.ofSeconds(2)));
        Readiness.Report report = get(r);
        assertTrue(report.up());
        assertEquals(List.of(new Readiness.CheckStatus("database", true, null),
                new Readiness.CheckStatus("artifact-store", true, null)), report.checks());
        assertEquals("", report.downReasons());
    }

    @Test
    void oneCheckDownMakesTheWholeReportDownWithThatChecksReason() throws Exception {
        TestCheck db = new TestCheck("database", Duration.ofSeconds(2));
        db.outcome.set(ReadinessCheck.Outcome.down("the database does not accept connections", new IllegalStateException("host x")));
        Readiness r = readiness(Duration.ZERO, db, new TestCheck("artifact-store", Duration.ofSeconds(2)));
        Readiness.Report report = get(r);
        assertFalse(report.up());
        assertEquals(new Readiness.CheckStatus("database", false, "the database does not accept connections"), report.checks().get(0));
        assertTrue(report.checks().get(1).up());
        assertEquals("database: the database does not accept connections", report.downReasons());
    }

    @Test
    void aCheckThatThrowsIsDownWithAFixedReasonNotTheExceptionsMessage() throws Exception {
        ReadinessCheck throwing = new TestCheck("artifact-store", Duration.ofSeconds(2)) {
            @Override
            public Outcome run() {
                throw new IllegalStateException("secret-host.internal:5432 password=hunter2");
            }
        };
        Readiness.Report report = get(readiness(Duration.ZERO, throwing));
        assertFalse(report.up());
        assertEquals("the check failed", report.checks().get(0).reason());
    }

    @Test
    void aHungCheckIsDownAfterItsTimeoutAndIsNotStartedAgainUntilItReturns() throws Exception {
        TestCheck hung = new TestCheck("database", Duration.ofMillis(100));
        hung.gate = new CountDownLatch(1);
        TestCheck fine = new TestCheck("artifact-store", Duration.ofSeconds(2));
        Readiness r = readiness(Duration.ZERO, hung, fine);

        long start = System.nanoTime();
        Readiness.Report first = get(r);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0, "answered in bounded time");
        assertFalse(first.up());
        assertEquals("did not answer within 100 ms", first.checks().get(0).reason());
        assertTrue(first.checks().get(1).up());

        Readiness.Report second = get(r);
        assertFalse(second.up());
        assertEquals(1, hung.runs.get(), "the hung run is waited on again, not joined by a second one");
        assertEquals(2, fine.runs.get());

        hung.gate.countDown();
        Readiness.Report after = awaitUp(r);
        assertTrue(after.up());
        assertTrue(hung.runs.get() <= 2);
    }

    private static Readiness.Report awaitUp(Readiness r) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Readiness.Report report;
        do {
            report = get(r);
        } while (!report.up() && System.nanoTime() < deadline);
        return report;
    }

    @Test
    void aResultIsReusedWithinTheCacheTimeAndCheckedAgainAfterIt() throws Exception {
        TestCheck db = new TestCheck("database", Duration.ofSeconds(2));
        Readiness r = readiness(Duration.ofMillis(1000), db);
        assertTrue(get(r).up());
        db.outcome.set(ReadinessCheck.Outcome.down("the database does not accept connections", null));

        now.addAndGet(Duration.ofMillis(999).toNanos());
        assertTrue(get(r).up(), "still the cached result");
        assertEquals(1, db.runs.get());

        now.addAndGet(Duration.ofMillis(1).toNanos());
        Readiness.Report fresh = get(r);
        assertFalse(fresh.up());
        assertEquals(2, db.runs.get());
    }

    @Test
    void callersArrivingDuringARoundShareIt() throws Exception {
        TestCheck slow = new TestCheck("database", Duration.ofSeconds(5));
        slow.gate = new CountDownLatch(1);
        Readiness r = readiness(Duration.ZERO, slow);
        var a = r.report();
        var b = r.report();
        var c = r.report();
        slow.gate.countDown();
        assertTrue(a.get(10, TimeUnit.SECONDS).up());
        assertTrue(b.get(10, TimeUnit.SECONDS).up());
        assertTrue(c.get(10, TimeUnit.SECONDS).up());
        assertEquals(1, slow.runs.get());
    }

    @Test
    void noCachingWithAZeroCacheTime() throws Exception {
        TestCheck db = new TestCheck("database", Duration.ofSeconds(2));
        Readiness r = readiness(Duration.ZERO, db);
        get(r);
        get(r);
        get(r);
        assertEquals(3, db.runs.get());
        assertNull(get(r).checks().get(0).reason());
    }
}

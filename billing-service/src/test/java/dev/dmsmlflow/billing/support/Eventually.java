package dev.dmsmlflow.billing.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by re-checking it, failing with a message when it does not hold in time. */
public final class Eventually {

    private Eventually() {
    }

    public static <T> T get(Supplier<T> probe, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    public static void until(BooleanSupplier condition, Duration timeout, String what) {
        get(() -> condition.getAsBoolean() ? Boolean.TRUE : null, timeout, what);
    }
}

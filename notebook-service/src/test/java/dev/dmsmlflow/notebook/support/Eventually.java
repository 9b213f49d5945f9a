package dev.dmsmlflow.notebook.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition that becomes true asynchronously. */
public final class Eventually {

    private Eventually() {
    }

    public static void await(Supplier<Boolean> condition, Duration timeout, Supplier<String> onTimeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Boolean.TRUE.equals(condition.get())) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + onTimeout.get());
    }
}

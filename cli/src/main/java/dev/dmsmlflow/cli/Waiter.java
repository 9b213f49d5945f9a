package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Set;

/**
 * Polls an instance until it reaches a wanted status, showing its status and the elapsed time on standard error
 * (rewritten in place on a terminal, one line per change otherwise), so {@code --output json} keeps stdout clean.
 */
final class Waiter {

    private static final Duration POLL = Duration.ofMillis(500);

    private Waiter() {
    }

    /** The instance once its status is in {@code done}; a {@link CliException} when it fails or the time is up. */
    static JsonNode await(GatewayClient client, String path, Set<String> done, Set<String> failed, Duration timeout,
                          PrintWriter err, boolean terminal) {
        long start = System.nanoTime();
        String last = null;
        long lastPrinted = 0;
        while (true) {
            JsonNode i = client.get(path);
            String status = GatewayClient.text(i, "status");
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (terminal) {
                err.printf("\r  %-14s %6.1f s", status, elapsed);
                err.flush();
            } else if (!status.equals(last) || elapsed - lastPrinted >= 10) {
                err.printf("  %-14s %6.1f s%n", status, elapsed);
                err.flush();
                lastPrinted = (long) elapsed;
            }
            last = status;
            if (done.contains(status)) {
                if (terminal) {
                    err.println();
                }
                return i;
            }
            if (failed.contains(status)) {
                if (terminal) {
                    err.println();
                }
                String reason = Printer.value(i, "statusReason.message");
                String code = Printer.value(i, "statusReason.code");
                throw new CliException("instance " + GatewayClient.text(i, "id") + " is " + status
                        + (reason == null ? "" : ": " + reason) + (code == null ? "" : " (" + code + ")"), CliException.FAILED);
            }
            if (elapsed > timeout.toSeconds()) {
                if (terminal) {
                    err.println();
                }
                throw new CliException("still " + status + " after " + timeout.toSeconds() + " s (the operation goes on; check with dms instance get "
                        + GatewayClient.text(i, "id") + ")", CliException.TIMEOUT);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted while waiting (the operation goes on)", CliException.FAILED);
            }
        }
    }
}

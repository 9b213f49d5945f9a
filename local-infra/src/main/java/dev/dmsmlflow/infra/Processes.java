package dev.dmsmlflow.infra;

import java.util.concurrent.TimeUnit;

/** Ending the child processes local-infra starts. */
final class Processes {

    private Processes() {
    }

    /**
     * Asks {@code p} to stop (SIGTERM), waits up to {@code graceSeconds}, then kills it (SIGKILL) and waits up to 10 s more;
     * an interrupt kills it at once (the thread's interrupt flag is kept).
     */
    static void stop(Process p, long graceSeconds) {
        p.destroy();
        try {
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }
}

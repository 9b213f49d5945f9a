package dev.dmsmlflow.tracking.health;

import java.time.Duration;

/** One thing the server needs in order to serve its API, checked by {@link Readiness}. */
public interface ReadinessCheck {

    /** The check's name in the readiness answer, e.g. {@code database}. */
    String name();

    /** The longest a readiness answer waits for this check; a check still running then counts as down. */
    Duration timeout();

    /** Runs the check. May block and even hang: {@link Readiness} bounds the wait and never runs it twice at once. */
    Outcome run();

    /**
     * Up, or down with a reason: a short sentence anyone may read (never a host, URL, credential, SQL statement or
     * stack trace). The cause is for the server's log only.
     */
    record Outcome(boolean up, String reason, Throwable cause) {
        private static final Outcome UP = new Outcome(true, null, null);

        public static Outcome ok() {
            return UP;
        }

        public static Outcome down(String reason, Throwable cause) {
            return new Outcome(false, reason, cause);
        }
    }
}

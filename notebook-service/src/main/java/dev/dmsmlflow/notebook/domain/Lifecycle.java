package dev.dmsmlflow.notebook.domain;

import static dev.dmsmlflow.notebook.domain.Effect.CLOSE_METER;
import static dev.dmsmlflow.notebook.domain.Effect.DISCARD_RUNTIME;
import static dev.dmsmlflow.notebook.domain.Effect.OPEN_METER;
import static dev.dmsmlflow.notebook.domain.Effect.PROVISION;
import static dev.dmsmlflow.notebook.domain.Effect.PUBLISH_STARTED;
import static dev.dmsmlflow.notebook.domain.Effect.PUBLISH_STOPPED;
import static dev.dmsmlflow.notebook.domain.Effect.REMOVE;
import static dev.dmsmlflow.notebook.domain.Effect.STOP_RUNTIME;
import static dev.dmsmlflow.notebook.domain.SessionStatus.CREATED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.FAILED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.RELEASED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.RUNNING;
import static dev.dmsmlflow.notebook.domain.SessionStatus.STARTING;
import static dev.dmsmlflow.notebook.domain.SessionStatus.STOPPED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.STOPPING;

/**
 * The session lifecycle as one table: status × trigger → next status + effects, or a refusal. Nothing else changes a
 * session's status; the application executes the effects (those that start or stop processes after the commit).
 *
 * <pre>
 * CREATED ─start→ STARTING ─ready→ RUNNING ─stop / idle→ STOPPING ─stopped→ STOPPED / RELEASED
 *                    └─failed→ FAILED        └─lost→ FAILED
 * STOPPED, FAILED, RELEASED ─start→ STARTING;  CREATED, STOPPED, FAILED, RELEASED ─delete→ (gone)
 * </pre>
 * A stop asked while STARTING cancels the start. Runtime outcomes that arrive in a status that no longer expects them (a
 * late "ready" after a stop) change nothing. {@link Effect#PUBLISH_STOPPED} and {@link Effect#CLOSE_METER} only concern a
 * session that became RUNNING (one stopped while STARTING never published NotebookSessionStarted nor metered).
 */
public final class Lifecycle {

    private Lifecycle() {
    }

    /** The transition of a session in {@code status} on {@code trigger}. {@code idleStop}: the pending stop is an idle release. */
    public static Transition on(SessionStatus status, Trigger trigger, boolean idleStop) {
        return switch (trigger) {
            case START -> switch (status) {
                case CREATED, STOPPED, FAILED, RELEASED -> Transition.to(STARTING, PROVISION);
                case STARTING, RUNNING -> Transition.stay(status);
                case STOPPING -> Transition.refuse("The session is stopping; start it again once it is STOPPED.");
            };
            case STOP -> switch (status) {
                case STARTING, RUNNING -> Transition.to(STOPPING, STOP_RUNTIME);
                case STOPPING, STOPPED, RELEASED, FAILED -> Transition.stay(status);
                case CREATED -> Transition.refuse("The session was never started.");
            };
            case DELETE -> switch (status) {
                case CREATED, STOPPED, FAILED, RELEASED -> Transition.removed(REMOVE, DISCARD_RUNTIME);
                case STARTING, RUNNING, STOPPING -> Transition.refuse("The session's runtime is " + status
                        + "; stop the session before deleting it.");
            };
            case RUNTIME_READY -> status == STARTING ? Transition.to(RUNNING, OPEN_METER, PUBLISH_STARTED) : Transition.stay(status);
            case RUNTIME_FAILED -> status == STARTING ? Transition.to(FAILED) : Transition.stay(status);
            case RUNTIME_STOPPED -> status == STOPPING
                    ? Transition.to(idleStop ? RELEASED : STOPPED, CLOSE_METER, PUBLISH_STOPPED)
                    : Transition.stay(status);
            case RUNTIME_LOST -> status == RUNNING
                    ? Transition.to(FAILED, CLOSE_METER, PUBLISH_STOPPED, STOP_RUNTIME) : Transition.stay(status);
            case IDLE_TIMEOUT -> status == RUNNING ? Transition.to(STOPPING, STOP_RUNTIME) : Transition.stay(status);
        };
    }
}

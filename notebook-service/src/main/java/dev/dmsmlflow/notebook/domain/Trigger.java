package dev.dmsmlflow.notebook.domain;

/** What can happen to a session: a user's request, or an outcome the runtime reports. The rows of {@link Lifecycle}. */
public enum Trigger {
    /** A user asks to start it. */
    START,
    /** A user asks to stop it. */
    STOP,
    /** A user asks to delete it. */
    DELETE,
    /** The runtime answers: JupyterLab is up. */
    RUNTIME_READY,
    /** The runtime could not be prepared or started. */
    RUNTIME_FAILED,
    /** The runtime has stopped (after a stop was asked for). */
    RUNTIME_STOPPED,
    /** A RUNNING session's runtime is gone without being asked to stop. */
    RUNTIME_LOST,
    /** The server reported no activity for longer than the session's idle timeout. */
    IDLE_TIMEOUT
}

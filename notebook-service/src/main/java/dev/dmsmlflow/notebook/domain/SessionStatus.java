package dev.dmsmlflow.notebook.domain;

/** Lifecycle status of a notebook session as users see it. */
public enum SessionStatus {
    /** Accepted, never started. */
    CREATED,
    /** The runtime is being prepared: environment, packages, server (see the session's progress). */
    STARTING,
    /** JupyterLab answers; the session is metered. */
    RUNNING,
    /** The runtime is being stopped (by a user, or because the session was idle). */
    STOPPING,
    /** Stopped by a user; can be started again. */
    STOPPED,
    /** Could not start, or its runtime died; the reason says why. Can be started again. */
    FAILED,
    /** Stopped automatically after its idle timeout; the reason says when it was last active. Can be started again. */
    RELEASED;

    /** Whether the session's runtime may be running (or about to). */
    public boolean hasRuntime() {
        return this == STARTING || this == RUNNING || this == STOPPING;
    }
}

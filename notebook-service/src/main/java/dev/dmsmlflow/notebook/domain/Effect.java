package dev.dmsmlflow.notebook.domain;

/**
 * What a transition asks the application to do. Effects marked {@link #outsideTransaction()} are persisted as the
 * session's pending action and carried out by the worker after the commit (they start or stop processes); the others
 * happen in the transaction of the transition itself.
 */
public enum Effect {
    /** Prepare the environment and start the runtime (worker). */
    PROVISION(true),
    /** Stop the runtime (worker). */
    STOP_RUNTIME(true),
    /** Remove what the runtime kept for the session: temporary storage, environment, logs (after the commit). */
    DISCARD_RUNTIME(true),
    /** NotebookSessionStarted to the outbox. */
    PUBLISH_STARTED(false),
    /** NotebookSessionStopped to the outbox. */
    PUBLISH_STOPPED(false),
    /** Metering starts now. */
    OPEN_METER(false),
    /** The last (partial) usage window up to now. */
    CLOSE_METER(false),
    /** The row goes away. */
    REMOVE(false);

    private final boolean outsideTransaction;

    Effect(boolean outsideTransaction) {
        this.outsideTransaction = outsideTransaction;
    }

    /** True for work that must never run inside a database transaction (process starts and stops). */
    public boolean outsideTransaction() {
        return outsideTransaction;
    }
}

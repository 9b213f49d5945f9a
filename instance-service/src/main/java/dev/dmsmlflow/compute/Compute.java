package dev.dmsmlflow.compute;

import java.util.Collection;

/** Runs one tracking server per instance (local: a child process; production: a Kubernetes Deployment). */
public interface Compute {

    /**
     * Starts the instance's tracking server and returns once it answers its health check. Idempotent: when
     * a healthy server for the instance already runs, its address is returned.
     *
     * @throws ComputeException when it cannot start or does not become healthy; nothing is left running then
     */
    ComputeAddress start(ComputeRequest request) throws ComputeException;

    /** Stops the instance's tracking server; does nothing when none runs. */
    void stop(String instanceId);

    /** Whether the provider can run that tracking-server version (null = the default version). */
    boolean supportsVersion(String version);

    /** Whether a tracking server for the instance is running. */
    boolean isRunning(String instanceId);

    /**
     * The liveness probe: whether the instance's tracking server answers HTTP at all ({@code GET /health/live}) within the
     * provider's probe timeout. False when none runs, and when one runs but is hung (stopped, deadlocked, out of memory).
     */
    boolean isLive(String instanceId);

    /**
     * Replaces the instance's tracking server that failed its liveness probes: the old process is killed at once (a hung
     * process may never act on a polite stop), a new one is started like {@link #start} (same port when it is free again).
     */
    ComputeAddress replace(ComputeRequest request) throws ComputeException;

    /**
     * After a restart of the service: adopts servers that still run, restarts the dead ones among
     * {@code wanted}, leaves those of {@code inProgress} instances alone, and stops every other server.
     */
    void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress);
}

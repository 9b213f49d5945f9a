package dev.dmsmlflow.instance.provider.compute;

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
     * Starts a second tracking server for the instance beside the one serving on {@code currentPort}, on another port, and
     * returns once it answers its health check; the serving one is not touched (a rolling replacement: it serves until the
     * load balancer switches). Idempotent: a healthy second server already running is adopted.
     *
     * @throws ComputeException when it cannot start or does not become healthy; nothing of it is left running then
     */
    ComputeAddress startSuccessor(ComputeRequest request, int currentPort) throws ComputeException;

    /** Stops every tracking server of the instance except the one on {@code keepPort} (the end of a rolling replacement). */
    void retireAllBut(String instanceId, int keepPort);

    /**
     * After a restart of the service: adopts servers that still run, restarts the dead ones among
     * {@code wanted}, leaves those of {@code inProgress} instances alone, and stops every other server.
     */
    void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress);

    /**
     * As {@link #reconcile(Collection, Collection)}, where {@code wanted} and {@code inProgress} were read from the database
     * at {@code asOf}: a server started after that (by another replica's step, say) is not judged by that older picture and
     * is left alone. Providers that cannot tell when a server started reconcile as before.
     */
    default void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress, java.time.Instant asOf) {
        reconcile(wanted, inProgress);
    }
}

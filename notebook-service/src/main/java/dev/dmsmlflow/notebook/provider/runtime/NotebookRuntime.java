package dev.dmsmlflow.notebook.provider.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Where sessions run: {@code local} (a JupyterLab process per session in its own Python environment on this host) or
 * {@code kubernetes} (a Pod per session), chosen by {@code dms.notebook.runtime}. Every method may block for long
 * (environments, process and Pod starts): callers never call it inside a database transaction.
 */
public interface NotebookRuntime {

    /** The variables the platform manages in a session (set or removed as the workspace's instances change). */
    String TRACKING_URI = "MLFLOW_TRACKING_URI";

    /** What this host enforces of a specification (shown with each session, e.g. "cgroup v1: cpu quota, memory limit"). */
    String limits();

    /** Prepares the environment and starts the server; reports its phases to {@code progress}. Idempotent for a running session. */
    Started start(RuntimeRequest request, Progress progress) throws RuntimeFailure;

    /** Stops the session's server and every process it started; nothing when none runs. */
    void stop(String sessionId);

    /** Whether the session's server runs and answers. */
    boolean alive(String sessionId);

    /** The server's own account of its activity (kernels, terminals, last activity). */
    Activity activity(String sessionId) throws RuntimeFailure;

    /** Hands the session the platform-managed variables it should see now (absent keys are removed). */
    void wire(String sessionId, Map<String, String> managed) throws RuntimeFailure;

    /** Runs {@code code} in the session's kernel, streaming its output, within {@code timeout}. */
    ExecutionOutcome execute(String sessionId, String code, Duration timeout, Output output) throws RuntimeFailure;

    /** How to reach the session's Jupyter server (for the service's proxy), while it runs. */
    Optional<Endpoint> endpoint(String sessionId);

    /** Removes what the runtime kept for a deleted session (temporary storage, environment, logs); persistent storage stays. */
    void discard(String sessionId);

    /**
     * After a restart of the service: adopts the servers of {@code running} sessions that still run, brings back what it can
     * of the others, stops any server it finds of a session in neither {@code running} nor {@code inProgress} (sessions
     * starting or stopping, perhaps on another replica), and answers the sessions of {@code running} whose server is gone.
     */
    Collection<String> reconcile(Collection<String> running, Collection<String> inProgress);

    /** Phases of a start, shown as the session's progress. */
    enum Phase { ENVIRONMENT, PACKAGES, SERVER }

    /** Receives a start's progress. */
    interface Progress {
        void report(Phase phase, String message);
    }

    /** Receives an execution's output as it comes. */
    interface Output {
        void stdout(String text);

        void stderr(String text);
    }

    /**
     * A start's result: what was actually used, for the session's view. {@code address}: where the session's server is
     * reached inside the network (the kubernetes runtime: the Pod's IP), which becomes the session's address; null when
     * the runtime places it nowhere of its own (the local runtime), so the address allocated from the notebook subnet stays.
     */
    record Started(int port, String python, String pythonNote, String environmentKey, String limits, String address) {
        /** A start that places the session at no address of its own. */
        public Started(int port, String python, String pythonNote, String environmentKey, String limits) {
            this(port, python, pythonNote, environmentKey, limits, null);
        }
    }

    /** The server's activity: the newest of its own, its kernels' and terminals' last activity, and busy kernels. */
    record Activity(java.time.Instant lastActivity, int kernels, int busyKernels, int terminals) {
    }

    /** An execution's end. {@code status}: ok, error or timeout. */
    record ExecutionOutcome(String status, String result, String errorName, String errorValue, String traceback) {
    }

    /** Base URL of the session's server (its base path included) and the token it demands. Never shown to callers. */
    record Endpoint(java.net.URI baseUri, String token) {
        @Override
        public String toString() {
            return "Endpoint[" + baseUri + ", token hidden]";
        }
    }

    /** Why a runtime operation failed; {@code code} is stable (ENVIRONMENT_FAILED, PACKAGES_FAILED, SERVER_FAILED, ...). */
    final class RuntimeFailure extends Exception {
        private final String code;

        public RuntimeFailure(String code, String message) {
            super(message);
            this.code = code;
        }

        public RuntimeFailure(String code, String message, Throwable cause) {
            super(message, cause);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}

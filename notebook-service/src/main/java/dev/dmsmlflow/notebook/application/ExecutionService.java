package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.ExecutionEntity;
import dev.dmsmlflow.notebook.persistence.ExecutionEntity.Status;
import dev.dmsmlflow.notebook.persistence.ExecutionRepository;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Code run in a session's kernel through Jupyter's kernel protocol. The request is recorded (QUEUED) and committed, then a
 * worker thread runs it outside any transaction; its stdout and stderr are written as they come (every 250 ms), its
 * result, error and duration at the end. The time limit interrupts the kernel (TIMED_OUT).
 */
@ApplicationScoped
public class ExecutionService {

    private static final Logger LOG = Logger.getLogger(ExecutionService.class);

    private final ExecutionRepository executions;
    private final SessionRepository sessions;
    private final NotebookRuntime runtime;
    private final NotebookConfig.Executions config;
    private ExecutorService pool;
    private ScheduledExecutorService flusher;

    ExecutionService(ExecutionRepository executions, SessionRepository sessions, NotebookRuntime runtime, NotebookConfig config) {
        this.executions = executions;
        this.sessions = sessions;
        this.runtime = runtime;
        this.config = config.executions();
    }

    void onStart(@Observes StartupEvent event) {
        pool = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "notebook-execution");
            t.setDaemon(true);
            return t;
        });
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notebook-execution-output");
            t.setDaemon(true);
            return t;
        });
        int n = QuarkusTransaction.requiringNew().call(() -> {
            int count = 0;
            for (ExecutionEntity e : executions.open()) {
                e.status = Status.FAILED;
                e.errorName = "Interrupted";
                e.errorValue = "notebook-service restarted while the execution was queued or running";
                e.finishedAt = Instant.now();
                count++;
            }
            return count;
        });
        if (n > 0) {
            LOG.infof("%d executions interrupted by the restart marked FAILED", n);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (pool != null) {
            pool.shutdownNow();
            flusher.shutdownNow();
        }
    }

    /** Records a new execution of {@code code} in a RUNNING session of the workspace (409 otherwise). */
    @Transactional
    public ExecutionEntity submit(String workspaceId, String sessionId, String code, Integer timeoutSeconds, String principal) {
        SessionEntity s = sessions.inWorkspace(workspaceId, sessionId).orElseThrow(() -> SessionService.notFound(sessionId));
        if (s.status != SessionStatus.RUNNING) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409,
                    "The session is " + s.status + ": code runs only in a RUNNING session.", null).withCode("SESSION_" + s.status));
        }
        int timeout = timeoutSeconds == null ? config.defaultTimeoutSeconds() : timeoutSeconds;
        if (timeout < 1 || timeout > config.maxTimeoutSeconds()) {
            throw ProblemException.invalidField("timeoutSeconds", "timeoutSeconds must be from 1 to " + config.maxTimeoutSeconds() + ".");
        }
        ExecutionEntity e = new ExecutionEntity();
        e.id = UUID.randomUUID().toString();
        e.sessionId = sessionId;
        e.workspaceId = workspaceId;
        e.code = code;
        e.timeoutMs = timeout * 1000L;
        e.status = Status.QUEUED;
        e.requestedBy = principal;
        e.createdAt = Instant.now();
        executions.persist(e);
        return e;
    }

    /** Runs a committed execution on a worker thread. */
    public void dispatch(String executionId) {
        pool.submit(() -> {
            try {
                run(executionId);
            } catch (RuntimeException e) {
                LOG.warnf(e, "execution %s failed", executionId);
                finish(executionId, new NotebookRuntime.ExecutionOutcome("error", null, "InternalError",
                        "the execution could not be completed", null), null, null);
            }
        });
    }

    private void run(String executionId) {
        record Job(String sessionId, String code, long timeoutMs) {
        }
        Job job = QuarkusTransaction.requiringNew().call(() -> {
            ExecutionEntity e = executions.findById(executionId);
            if (e == null || e.status != Status.QUEUED) {
                return null;
            }
            e.status = Status.RUNNING;
            e.startedAt = Instant.now();
            return new Job(e.sessionId, e.code, e.timeoutMs);
        });
        if (job == null) {
            return;
        }
        Buffers out = new Buffers(config.maxOutputChars());
        ScheduledFuture<?> flushing = flusher.scheduleWithFixedDelay(() -> flush(executionId, out), 250, 250, TimeUnit.MILLISECONDS);
        NotebookRuntime.ExecutionOutcome outcome;
        try {
            outcome = runtime.execute(job.sessionId(), job.code(), Duration.ofMillis(job.timeoutMs()), out);
        } catch (NotebookRuntime.RuntimeFailure f) {
            outcome = new NotebookRuntime.ExecutionOutcome("error", null, f.code(), f.getMessage(), null);
        } finally {
            flushing.cancel(false);
        }
        finish(executionId, outcome, out.stdout(), out.stderr());
    }

    private void flush(String executionId, Buffers out) {
        if (!out.changed()) {
            return;
        }
        try {
            String stdout = out.stdout();
            String stderr = out.stderr();
            QuarkusTransaction.requiringNew().run(() -> {
                ExecutionEntity e = executions.findById(executionId);
                if (e != null && e.status == Status.RUNNING) {
                    e.stdout = stdout;
                    e.stderr = stderr;
                }
            });
        } catch (RuntimeException e) {
            LOG.debugf("flushing the output of %s failed: %s", executionId, e.getMessage());
        }
    }

    private void finish(String executionId, NotebookRuntime.ExecutionOutcome o, String stdout, String stderr) {
        QuarkusTransaction.requiringNew().run(() -> {
            ExecutionEntity e = executions.findById(executionId);
            if (e == null || e.status.finished()) {
                return;
            }
            e.status = switch (o.status()) {
                case "ok" -> Status.SUCCEEDED;
                case "timeout" -> Status.TIMED_OUT;
                default -> Status.FAILED;
            };
            if (stdout != null) {
                e.stdout = stdout;
            }
            if (stderr != null) {
                e.stderr = stderr;
            }
            e.result = o.result();
            e.errorName = o.errorName();
            e.errorValue = o.errorValue();
            e.traceback = o.traceback();
            e.finishedAt = Instant.now();
        });
    }

    /** An execution's output so far, each stream cut at the limit with a note. */
    static final class Buffers implements NotebookRuntime.Output {
        private final int max;
        private final StringBuilder stdout = new StringBuilder();
        private final StringBuilder stderr = new StringBuilder();
        private boolean changed;

        Buffers(int max) {
            this.max = max;
        }

        @Override
        public synchronized void stdout(String text) {
            append(stdout, text);
        }

        @Override
        public synchronized void stderr(String text) {
            append(stderr, text);
        }

        private void append(StringBuilder b, String text) {
            if (b.length() >= max) {
                return;
            }
            if (b.length() + text.length() > max) {
                b.append(text, 0, max - b.length()).append("\n[output cut at ").append(max).append(" characters]\n");
            } else {
                b.append(text);
            }
            changed = true;
        }

        synchronized boolean changed() {
            boolean c = changed;
            changed = false;
            return c;
        }

        synchronized String stdout() {
            return stdout.toString();
        }

        synchronized String stderr() {
            return stderr.toString();
        }
    }
}

package dev.dmsmlflow.platform.work;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The background worker shape every service with persisted steps shares (instance-service's saga steps, notebook-service's
 * session actions): one loop thread that first reconciles what runs with what the database says, then dispatches pending
 * steps to a small pool whenever it is woken (after a transaction that left work committed) or every
 * {@code pollInterval}, and keeps going after a failed round (logged, one second's pause). Remote work runs on the pool,
 * never inside the loop's or anyone's database transaction; the steps themselves are the caller's.
 */
public final class WorkLoop {

    private final String name;
    private final String poolName;
    private final int threads;
    private final Duration pollInterval;
    private final Duration stopTimeout;
    private final Runnable reconcile;
    private final Runnable dispatch;
    private final Logger log;
    private final Semaphore wakeUp = new Semaphore(0);
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> retryAfter = new ConcurrentHashMap<>();
    private final Duration retryPause = Duration.ofSeconds(2);
    private volatile boolean running;
    private ExecutorService pool;
    private Thread loop;

    /**
     * @param name         the loop thread's name (also in log lines)
     * @param poolName     the name of the pool's threads
     * @param threads      steps run at once
     * @param pollInterval how often the loop looks for work when nobody wakes it
     * @param stopTimeout  how long {@link #stop()} waits for running steps
     * @param reconcile    run once before the first dispatch (may be a no-op)
     * @param dispatch     one round: find pending steps and {@link #submit} them
     */
    public WorkLoop(String name, String poolName, int threads, Duration pollInterval, Duration stopTimeout, Runnable reconcile,
                    Runnable dispatch, Logger log) {
        this.name = name;
        this.poolName = poolName;
        this.threads = threads;
        this.pollInterval = pollInterval;
        this.stopTimeout = stopTimeout;
        this.reconcile = reconcile;
        this.dispatch = dispatch;
        this.log = log;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, poolName);
            t.setDaemon(true);
            return t;
        });
        running = true;
        loop = new Thread(this::run, name);
        loop.setDaemon(true);
        loop.start();
    }

    /** Stops looking for work, interrupts running steps and waits up to the stop timeout for them. */
    public void stop() {
        running = false;
        wakeUp.release();
        ExecutorService p = pool;
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Look for work now. */
    public void wake() {
        wakeUp.release();
    }

    /** Whether the loop runs (false once {@link #stop()} began). */
    public boolean running() {
        return running;
    }

    /**
     * Runs {@code step} for the aggregate {@code key} on the pool, unless a step for it runs already or its last step
     * failed less than the retry pause (2 s) ago: never two steps of one aggregate at once. A failure is logged with
     * {@code what} and retried at a later round; the loop is woken when a step ends (it may have left more work).
     *
     * @return whether the step was submitted
     */
    public boolean submitFor(String key, String what, Runnable step) {
        Long after = retryAfter.get(key);
        if (after != null && after > System.currentTimeMillis()) {
            return false;
        }
        if (!inFlight.add(key)) {
            return false;
        }
        pool.submit(() -> {
            try {
                step.run();
                retryAfter.remove(key);
            } catch (RuntimeException e) {
                log.warnf(e, "%s failed; will retry", what);
                retryAfter.put(key, System.currentTimeMillis() + retryPause.toMillis());
            } finally {
                inFlight.remove(key);
                wake();
            }
        });
        return true;
    }

    /**
     * Runs {@code step} for {@code key} on the pool unless a step for it runs already (no retry bookkeeping: a watch, not a
     * step; the step handles its own failures).
     */
    public boolean submitExclusive(String key, Runnable step) {
        if (!inFlight.add(key)) {
            return false;
        }
        pool.submit(() -> {
            try {
                step.run();
            } finally {
                inFlight.remove(key);
            }
        });
        return true;
    }

    private void run() {
        try {
            reconcile.run();
        } catch (RuntimeException e) {
            log.errorf(e, "%s: reconciliation failed", name);
        }
        while (running) {
            try {
                dispatch.run();
                wakeUp.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.warnf(e, "%s: a round failed; retrying", name);
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}

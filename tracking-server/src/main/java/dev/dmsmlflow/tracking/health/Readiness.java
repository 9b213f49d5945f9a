package dev.dmsmlflow.tracking.health;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Whether the server can serve its API now: runs its {@link ReadinessCheck}s side by side on threads of its own (never
 * the HTTP threads) and answers within the longest check timeout, whatever the checks do. A check still running when
 * its timeout ends counts as down, and is not started again until it returns, so a hung dependency holds one thread,
 * not one per request. A result is reused for {@code cacheTtl} after it was obtained, and callers arriving while the
 * checks run share that round, so frequent polling costs at most one round per {@code cacheTtl}.
 */
public final class Readiness implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Readiness.class);

    /** One check's state in a report; {@code reason} is null when it is up. */
    public record CheckStatus(String name, boolean up, String reason) {
    }

    /** The checks' states, in the order the checks were given; up when all are. */
    public record Report(boolean up, List<CheckStatus> checks) {
        /** {@code name: reason} of each check that is down, joined by {@code "; "}; empty when all are up. */
        public String downReasons() {
            return checks.stream().filter(c -> !c.up()).map(c -> c.name() + ": " + c.reason())
                    .collect(Collectors.joining("; "));
        }
    }

    private final List<Slot> slots;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final ExecutorService executor;

    // guarded by this
    private CompletableFuture<Report> round;
    private Report last;
    private long lastAt;

    public Readiness(List<? extends ReadinessCheck> checks, Duration cacheTtl) {
        this(checks, cacheTtl, System::nanoTime);
    }

    /** With the clock the cache reads, for tests. */
    Readiness(List<? extends ReadinessCheck> checks, Duration cacheTtl, LongSupplier nanoTime) {
        if (cacheTtl.isNegative()) {
            throw new IllegalArgumentException("the readiness cache time must not be negative");
        }
        List<Slot> s = new ArrayList<>();
        for (ReadinessCheck c : checks) {
            if (c.timeout().isNegative() || c.timeout().isZero()) {
                throw new IllegalArgumentException("the timeout of readiness check " + c.name() + " must be positive");
            }
            s.add(new Slot(c));
        }
        this.slots = List.copyOf(s);
        this.ttlNanos = cacheTtl.toNanos();
        this.nanoTime = nanoTime;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dms-readiness-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The current report: the cached one while it is fresh, the round under way, or a new round. Never fails. */
    public synchronized CompletableFuture<Report> report() {
        if (round != null && !round.isDone()) {
            return round;
        }
        if (last != null && nanoTime.getAsLong() - lastAt < ttlNanos) {
            return CompletableFuture.completedFuture(last);
        }
        List<CompletableFuture<CheckStatus>> states = slots.stream().map(Slot::bounded).toList();
        round = CompletableFuture.allOf(states.toArray(CompletableFuture[]::new))
                .thenApply(v -> remember(states.stream().map(CompletableFuture::join).toList()));
        return round;
    }

    private synchronized Report remember(List<CheckStatus> states) {
        last = new Report(states.stream().allMatch(CheckStatus::up), states);
        lastAt = nanoTime.getAsLong();
        return last;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** One check, its run in progress and the state last logged. */
    private final class Slot {
        private final ReadinessCheck check;
        private final long timeoutMillis;
        private final CheckStatus timedOut;
        // guarded by this
        private CompletableFuture<CheckStatus> running;
        private CheckStatus logged;

        Slot(ReadinessCheck check) {
            this.check = check;
            this.timeoutMillis = Math.max(1, check.timeout().toMillis());
            this.timedOut = new CheckStatus(check.name(), false, "did not answer within " + timeoutMillis + " ms");
        }

        /** The check's state, within its timeout: the run in progress if there is one, else a new run. */
        synchronized CompletableFuture<CheckStatus> bounded() {
            if (running == null || running.isDone()) {
                try {
                    running = CompletableFuture.supplyAsync(this::runOnce, executor);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    return CompletableFuture.completedFuture(note(new CheckStatus(check.name(), false, "the server is stopping"), null));
                }
            }
            return running.copy().completeOnTimeout(null, timeoutMillis, TimeUnit.MILLISECONDS)
                    .thenApply(s -> s != null ? s : note(timedOut, null));
        }

        private CheckStatus runOnce() {
            ReadinessCheck.Outcome o;
            try {
                o = Objects.requireNonNull(check.run(), "outcome");
            } catch (RuntimeException | Error e) {
                o = ReadinessCheck.Outcome.down("the check failed", e);
            }
            return note(new CheckStatus(check.name(), o.up(), o.up() ? null : o.reason()), o.cause());
        }

        /** Logs a change of state (and the cause, which answers never show). */
        private synchronized CheckStatus note(CheckStatus s, Throwable cause) {
            if (logged == null ? !s.up() : !logged.equals(s)) {
                if (s.up()) {
                    LOG.infof("readiness: %s is up again", s.name());
                } else {
                    LOG.warnf("readiness: %s is down: %s%s", s.name(), s.reason(), cause == null ? "" : " (" + summary(cause) + ")");
                }
            }
            logged = s;
            return s;
        }
    }

    private static String summary(Throwable t) {
        StringBuilder b = new StringBuilder(t.getClass().getSimpleName());
        if (t instanceof java.sql.SQLException se && se.getSQLState() != null) {
            b.append(" SQLState ").append(se.getSQLState());
        }
        if (t.getMessage() != null) {
            b.append(": ").append(t.getMessage());
        }
        return b.toString();
    }
}

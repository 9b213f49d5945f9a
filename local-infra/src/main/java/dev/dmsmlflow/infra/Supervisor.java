package dev.dmsmlflow.infra;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Keeps the local infrastructure of {@code ./dms up} running: every {@code interval} it checks each component and restarts
 * one that is no longer running (a crash, an OOM kill, a {@code kill -9}), retrying with a growing pause while the restart
 * fails (a killed postmaster's backends may hold its shared memory for a moment). A component that needed more than
 * {@code maxRestarts} restarts within {@code window} is crash-looping: the supervisor gives up and reports it, so the
 * process exits and {@code ./dms status} tells the truth instead of a restart loop hiding the fault.
 * <p>
 * {@link #stop()} makes it stand down before a deliberate shutdown, and waits for a restart under way.
 */
public final class Supervisor implements AutoCloseable {

    /** One supervised thing. */
    public interface Component {
        String name();

        boolean isRunning();

        /** Starts it again; throws if it could not. */
        void restart() throws Exception;

        /** What to print about the exit (e.g. the exit code), or "". */
        default String exitDetail() {
            return "";
        }
    }

    private final List<Component> components;
    private final Duration interval;
    private final int maxRestarts;
    private final Duration window;
    private final PrintStream out;
    private final Object lock = new Object();
    private final List<Deque<Long>> restarts = new ArrayList<>();
    private volatile boolean stopping;
    private volatile String gaveUp;
    private final Thread thread;
    private final Runnable onGiveUp;

    public Supervisor(List<Component> components, Duration interval, int maxRestarts, Duration window, PrintStream out,
                      Runnable onGiveUp) {
        this.components = List.copyOf(components);
        this.interval = interval;
        this.maxRestarts = maxRestarts;
        this.window = window;
        this.out = out;
        this.onGiveUp = onGiveUp;
        for (int i = 0; i < components.size(); i++) {
            restarts.add(new ArrayDeque<>());
        }
        this.thread = new Thread(this::run, "local-infra-supervisor");
        this.thread.setDaemon(true);
    }

    public Supervisor start() {
        thread.start();
        return this;
    }

    /** The component the supervisor gave up on, or null. */
    public String gaveUp() {
        return gaveUp;
    }

    private void run() {
        while (!stopping && gaveUp == null) {
            for (int i = 0; i < components.size() && !stopping; i++) {
                Component c = components.get(i);
                if (!c.isRunning()) {
                    synchronized (lock) {
                        if (!stopping) {
                            revive(c, restarts.get(i));
                        }
                    }
                }
            }
            waitFor(interval.toMillis(), () -> stopping);
        }
        if (gaveUp != null && !stopping && onGiveUp != null) {
            onGiveUp.run();
        }
    }

    private void revive(Component c, Deque<Long> history) {
        long now = System.nanoTime();
        while (!history.isEmpty() && now - history.peekFirst() > window.toNanos()) {
            history.removeFirst();
        }
        if (history.size() >= maxRestarts) {
            gaveUp = c.name();
            out.printf("%-9s stopped again after %d restarts within %d s: giving up (see its log)%n", c.name(), history.size(),
                    window.toSeconds());
            out.flush();
            return;
        }
        history.addLast(now);
        String detail = c.exitDetail();
        out.printf("%-9s is not running%s: restarting%n", c.name(), detail.isEmpty() ? "" : " (" + detail + ")");
        out.flush();
        long started = System.nanoTime();
        long pause = 250;
        int attempt = 0;
        while (!stopping) {
            attempt++;
            try {
                c.restart();
                out.printf("%-9s restarted in %d ms (attempt %d)%n", c.name(), (System.nanoTime() - started) / 1_000_000, attempt);
                out.flush();
                return;
            } catch (Exception e) {
                out.printf("%-9s restart attempt %d failed: %s%n", c.name(), attempt, e.getMessage());
                out.flush();
                if (Duration.ofNanos(System.nanoTime() - started).compareTo(window) > 0) {
                    gaveUp = c.name();
                    out.printf("%-9s could not be restarted for %d s: giving up%n", c.name(), window.toSeconds());
                    out.flush();
                    return;
                }
                waitFor(pause, () -> stopping);
                pause = Math.min(pause * 2, 5_000);
            }
        }
    }

    /** Stands down (no restart from now on) and waits for a restart under way to finish. */
    public void stop() {
        stopping = true;
        synchronized (lock) {
            // a restart in progress has returned
        }
        thread.interrupt();
    }

    @Override
    public void close() {
        stop();
    }

    private static void waitFor(long millis, BooleanSupplier done) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}

package dev.dmsmlflow.billing.support;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time (user + system) of processes as Linux accounts it in {@code /proc/<pid>/stat}, for the benchmark's CPU per
 * 1,000 readings: this JVM, PostgreSQL (the postmaster, its live backends, and the children it already reaped) and the
 * broker. Works on Linux only; elsewhere every reading is zero.
 */
public final class CpuClock {

    /** Clock ticks per second of {@code /proc} ({@code getconf CLK_TCK}; 100 on every Linux this runs on). */
    private static final double TICKS = 100.0;

    private CpuClock() {
    }

    /** Seconds of CPU this process used so far. */
    public static double self() {
        return process(ProcessHandle.current().pid(), false);
    }

    /** Seconds of CPU of a process and, with {@code tree}, of its live descendants and the children it reaped. */
    public static double process(long pid, boolean tree) {
        double s = ticks(pid, tree);
        if (tree) {
            s += ProcessHandle.of(pid).map(p -> p.descendants().mapToDouble(d -> ticks(d.pid(), false)).sum()).orElse(0.0);
        }
        return s;
    }

    /** Seconds of CPU of the given process tree, 0 when there is none. */
    public static double tree(OptionalLong pid) {
        return pid.isPresent() ? process(pid.getAsLong(), true) : 0;
    }

    /** Seconds of CPU of the threads of this JVM whose names start with one of {@code prefixes}, alive now. */
    public static double threads(String... prefixes) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double s = 0;
        for (var info : mx.dumpAllThreads(false, false)) {
            for (String p : prefixes) {
                if (info.getThreadName().startsWith(p)) {
                    long ns = mx.getThreadCpuTime(info.getThreadId());
                    s += ns > 0 ? ns / 1e9 : 0;
                    break;
                }
            }
        }
        return s;
    }

    private static double ticks(long pid, boolean withReapedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields from after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withReapedChildren) {
                t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return t / TICKS;
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux, or the process is gone
        }
    }
}

package dev.dmsmlflow.bench.provisioning;

import dev.dmsmlflow.e2e.Stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time used by the processes of a benchmark run, by kind (each service's replicas, the tracking servers, the Kafka
 * brokers, PostgreSQL, everything else on the machine), read from {@code /proc/<pid>/stat} (user + system time) and the
 * machine's busy time from {@code /proc/stat}; the difference of two samples says where the CPU of a phase went. A
 * process that exited between the samples is missing from the second (none does during the create phase).
 */
record CpuUse(Map<Long, Sample> processes, double machineBusySeconds, double machineTotalSeconds) {

    /** Jiffies per second of /proc (USER_HZ, 100 on Linux). */
    static final double HZ = 100.0;

    record Sample(String kind, double seconds) {
    }

    static CpuUse sample(Stack stack) throws IOException {
        Map<Long, Sample> all = new TreeMap<>();
        ProcessHandle.allProcesses().forEach(h -> {
            double seconds = cpuSeconds(h.pid());
            if (seconds >= 0) {
                all.put(h.pid(), new Sample(kind(stack, h), seconds));
            }
        });
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        double total = 0;
        for (int i = 1; i < cpu.length; i++) {
            total += Double.parseDouble(cpu[i]);
        }
        double idle = Double.parseDouble(cpu[4]) + Double.parseDouble(cpu[5]); // idle + iowait
        return new CpuUse(all, (total - idle) / HZ, total / HZ);
    }

    /** What the process is, by its command line. */
    private static String kind(Stack stack, ProcessHandle h) {
        String[] args = h.info().arguments().orElse(new String[0]);
        String cmd = h.info().command().orElse("");
        List<String> a = List.of(args);
        if (a.stream().anyMatch(x -> x.startsWith("-Ddms.compute.home="))) {
            return "tracking servers";
        }
        for (String module : List.of("instance-service", "network-service", "billing-service", "api-gateway")) {
            if (a.stream().anyMatch(x -> x.contains(module + "/target/quarkus-app/quarkus-run.jar"))) {
                return module;
            }
        }
        if (a.stream().anyMatch(x -> x.equals("kafka.Kafka") || x.contains("kafka.Kafka"))) {
            return "kafka brokers";
        }
        if (cmd.endsWith("/postgres") || cmd.endsWith("postgres")) {
            return "postgresql";
        }
        if (h.pid() == ProcessHandle.current().pid()) {
            return "benchmark client";
        }
        return "other processes";
    }

    /** utime + stime of a process in seconds, or -1 when it cannot be read. */
    private static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / HZ; // fields 14 and 15 of stat(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The CPU used between {@code earlier} and this sample, by process (new processes count from zero). */
    CpuUse minus(CpuUse earlier) {
        Map<Long, Sample> diff = new TreeMap<>();
        processes.forEach((pid, s) -> {
            Sample before = earlier.processes.get(pid);
            diff.put(pid, new Sample(s.kind(), s.seconds() - (before == null ? 0 : before.seconds())));
        });
        return new CpuUse(diff, machineBusySeconds - earlier.machineBusySeconds, machineTotalSeconds - earlier.machineTotalSeconds);
    }

    /** Prints CPU seconds by kind, each as a share of the machine's busy time, and how busy the machine was over {@code wallSeconds}. */
    void report(double wallSeconds) {
        Map<String, Double> byKind = new TreeMap<>();
        processes.values().forEach(s -> byKind.merge(s.kind(), s.seconds(), Double::sum));
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "cpu over the create phase: machine busy %.1f of %.1f core-seconds (%d cores x %.1f s), %.0f%%%n",
                machineBusySeconds, cores * wallSeconds, cores, wallSeconds, 100 * machineBusySeconds / (cores * wallSeconds));
        byKind.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e ->
                System.out.printf(Locale.ROOT, "  %-18s %7.1f cpu-s  %4.0f%% of the busy time%n", e.getKey(), e.getValue(),
                        100 * e.getValue() / machineBusySeconds));
    }
}

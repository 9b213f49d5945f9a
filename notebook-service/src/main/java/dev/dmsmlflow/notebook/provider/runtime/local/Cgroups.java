package dev.dmsmlflow.notebook.provider.runtime.local;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CPU and memory limits of a session's processes with Linux cgroups, where the host lets this service make child groups
 * of its own: cgroup v2 ({@code cpu.max}, {@code memory.max}) or v1 ({@code cpu.cfs_quota_us}, {@code memory.limit_in_bytes}).
 * Probed once at start with a throw-away group; where it fails, limits are not enforced (and said so) but still metered.
 */
final class Cgroups {

    private static final Logger LOG = Logger.getLogger(Cgroups.class);
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final long PERIOD_US = 100_000;

    /** How limits are enforced here: the groups' parent directories per controller, and a description for users. */
    record Support(String mode, Path cpuParent, Path memoryParent, String description) {
        boolean enforced() {
            return mode != null;
        }
    }

    private final Support support;

    Cgroups(boolean wanted) {
        this.support = wanted ? probe() : new Support(null, null, null, "not enforced (cgroups switched off); metered only");
        LOG.infof("notebook sessions' CPU and memory limits: %s", support.description());
    }

    Support support() {
        return support;
    }

    private static Support probe() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"));
            Path v2 = ROOT.resolve("cgroup.controllers");
            if (Files.isRegularFile(v2) && Files.readString(v2).contains("cpu") && Files.readString(v2).contains("memory")) {
                String own = lines.stream().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst().orElse("/");
                Path parent = ROOT.resolve(own.substring(1));
                if (tryGroup(parent, parent, true)) {
                    return new Support("v2", parent, parent, "enforced with cgroup v2 (cpu.max, memory.max)");
                }
            }
            Optional<Path> cpu = v1Parent(lines, "cpu");
            Optional<Path> memory = v1Parent(lines, "memory");
            if (cpu.isPresent() && memory.isPresent() && tryGroup(cpu.get(), memory.get(), false)) {
                return new Support("v1", cpu.get(), memory.get(), "enforced with cgroup v1 (cpu.cfs_quota_us, memory.limit_in_bytes)");
            }
            return new Support(null, null, null, "not enforced: this host does not let the service make cgroups; metered only");
        } catch (IOException | RuntimeException e) {
            return new Support(null, null, null, "not enforced: cgroups unreadable here (" + e.getMessage() + "); metered only");
        }
    }

    /** The directory of this process's v1 group of {@code controller}. */
    private static Optional<Path> v1Parent(List<String> lines, String controller) {
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && List.of(parts[1].split(",")).contains(controller)) {
                for (String mount : List.of(parts[1], controller)) {
                    Path base = ROOT.resolve(mount);
                    if (Files.isDirectory(base)) {
                        return Optional.of(base.resolve(parts[2].substring(1)));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean tryGroup(Path cpuParent, Path memoryParent, boolean v2) {
        String name = "dms-notebook-probe-" + ProcessHandle.current().pid();
        Path cpu = cpuParent.resolve(name);
        Path memory = memoryParent.resolve(name);
        try {
            Files.createDirectories(cpu);
            Files.createDirectories(memory);
            if (v2) {
                Files.writeString(cpu.resolve("cpu.max"), PERIOD_US + " " + PERIOD_US);
                Files.writeString(memory.resolve("memory.max"), Long.toString(1L << 30));
            } else {
                Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(PERIOD_US));
                Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(1L << 30));
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.debugf("cgroup probe failed: %s", e.getMessage());
            return false;
        } finally {
            rmdir(cpu);
            rmdir(memory);
        }
    }

    /** Makes the session's groups with its limits; returns the {@code cgroup.procs} files a process joins them through. */
    List<Path> create(String sessionId, int cpus, int memoryGib) throws IOException {
        List<Path> procs = new ArrayList<>();
        if (!support.enforced()) {
            return procs;
        }
        String name = "dms-notebook-" + sessionId;
        Path cpu = support.cpuParent().resolve(name);
        Path memory = support.memoryParent().resolve(name);
        Files.createDirectories(cpu);
        Files.createDirectories(memory);
        long quota = cpus * PERIOD_US;
        long bytes = memoryGib * (1L << 30);
        if ("v2".equals(support.mode())) {
            Files.writeString(cpu.resolve("cpu.max"), quota + " " + PERIOD_US);
            Files.writeString(memory.resolve("memory.max"), Long.toString(bytes));
            procs.add(cpu.resolve("cgroup.procs"));
        } else {
            Files.writeString(cpu.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
            Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes));
            procs.add(cpu.resolve("cgroup.procs"));
            procs.add(memory.resolve("cgroup.procs"));
        }
        return procs;
    }

    /** Pids still in the session's groups. */
    List<Long> members(String sessionId) {
        List<Long> pids = new ArrayList<>();
        if (!support.enforced()) {
            return pids;
        }
        Path procs = support.cpuParent().resolve("dms-notebook-" + sessionId).resolve("cgroup.procs");
        try {
            for (String line : Files.readAllLines(procs)) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // no group
        }
        return pids;
    }

    /** Removes the session's groups (they must be empty: call after its processes ended). */
    void remove(String sessionId) {
        if (!support.enforced()) {
            return;
        }
        rmdir(support.cpuParent().resolve("dms-notebook-" + sessionId));
        rmdir(support.memoryParent().resolve("dms-notebook-" + sessionId));
    }

    /** The limit files' current values, for tests and diagnosis: cpu quota/period and memory bytes. */
    Optional<String> describe(String sessionId) {
        if (!support.enforced()) {
            return Optional.empty();
        }
        try {
            Path cpu = support.cpuParent().resolve("dms-notebook-" + sessionId);
            Path memory = support.memoryParent().resolve("dms-notebook-" + sessionId);
            if ("v2".equals(support.mode())) {
                return Optional.of("cpu.max=" + Files.readString(cpu.resolve("cpu.max")).strip() + " memory.max="
                        + Files.readString(memory.resolve("memory.max")).strip());
            }
            return Optional.of("cpu.cfs_quota_us=" + Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip()
                    + " memory.limit_in_bytes=" + Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void rmdir(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException | RuntimeException e) {
            LOG.debugf("cannot remove cgroup %s: %s", dir, e.getMessage());
        }
    }
}

package dev.dmsmlflow.notebook.provider.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Python interpreters this host has (on the PATH, in pyenv's versions, in /usr/bin and /usr/local/bin), and the one
 * to use for an image's version: that version if the host has it, else the closest (the newer on a tie), said so.
 */
final class Interpreters {

    /** An interpreter: its exact version and real executable (not a shim). */
    record Interpreter(int major, int minor, int micro, Path executable) {
        String version() {
            return major + "." + minor + "." + micro;
        }
    }

    /** The choice for an image, and the note shown with the session when it is not the version asked for. */
    record Choice(Interpreter interpreter, String note) {
    }

    private final Map<Integer, Optional<Interpreter>> byMinor = new ConcurrentHashMap<>();

    /** The interpreter for Python {@code wanted} ({@code 3.9}). */
    Choice choose(String wanted) throws IOException {
        String[] parts = wanted.split("\\.");
        int minor = Integer.parseInt(parts[1]);
        Optional<Interpreter> exact = find(minor);
        if (exact.isPresent()) {
            return new Choice(exact.get(), null);
        }
        List<Interpreter> all = new ArrayList<>();
        for (int m = 6; m <= 16; m++) {
            find(m).ifPresent(all::add);
        }
        Interpreter closest = all.stream()
                .min(Comparator.comparingInt((Interpreter i) -> Math.abs(i.minor() - minor)).thenComparing(i -> -i.minor()))
                .orElseThrow(() -> new IOException("this host has no Python 3 interpreter"));
        return new Choice(closest, "the image asks for Python " + wanted + "; this host has none, so the session uses "
                + closest.version() + ", the closest it has");
    }

    private Optional<Interpreter> find(int minor) {
        return byMinor.computeIfAbsent(minor, m -> {
            for (Path candidate : candidates("python3." + m)) {
                Optional<Interpreter> i = probe(candidate);
                if (i.isPresent() && i.get().minor() == m) {
                    return i;
                }
            }
            return Optional.empty();
        });
    }

    private static List<Path> candidates(String name) {
        Map<Path, Boolean> out = new LinkedHashMap<>();
        onPath(name).ifPresent(p -> out.put(p, true));
        Path pyenv = Path.of(System.getProperty("user.home"), ".pyenv", "versions");
        if (Files.isDirectory(pyenv)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(pyenv)) {
                for (Path v : versions) {
                    Path p = v.resolve("bin").resolve(name);
                    if (Files.isExecutable(p)) {
                        out.put(p, true);
                    }
                }
            } catch (IOException ignored) {
                // no pyenv versions readable
            }
        }
        for (String dir : List.of("/usr/local/bin", "/usr/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                out.put(p, true);
            }
        }
        return new ArrayList<>(out.keySet());
    }

    private static Optional<Interpreter> probe(Path candidate) {
        try {
            Processes.Result r = Processes.run(List.of(candidate.toString(), "-c",
                            "import sys; print('%d %d %d' % sys.version_info[:3]); print(sys.executable)"),
                    Processes.toolEnvironment(), null, Duration.ofSeconds(20));
            if (!r.ok()) {
                return Optional.empty();
            }
            String[] lines = r.output().strip().split("\n");
            String[] v = lines[0].strip().split(" ");
            return Optional.of(new Interpreter(Integer.parseInt(v[0]), Integer.parseInt(v[1]), Integer.parseInt(v[2]),
                    Path.of(lines[lines.length - 1].strip())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** An executable of that name on the PATH. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}

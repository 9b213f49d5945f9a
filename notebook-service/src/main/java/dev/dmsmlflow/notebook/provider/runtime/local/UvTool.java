package dev.dmsmlflow.notebook.provider.runtime.local;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code uv} installer sessions' environments are made with: the configured one, else {@code uv} on the PATH, else
 * the pinned version installed (from PyPI, with the host's Python) into a tool environment in the cache directory.
 */
final class UvTool {

    private static final Logger LOG = Logger.getLogger(UvTool.class);

    private final Optional<String> configured;
    private final String version;
    private final Path cacheDir;
    private volatile Path resolved;

    UvTool(Optional<String> configured, String version, Path cacheDir) {
        this.configured = configured;
        this.version = version;
        this.cacheDir = cacheDir;
    }

    /** The uv executable, installing the pinned version into the cache on first need. */
    synchronized Path path() throws IOException {
        if (resolved != null) {
            return resolved;
        }
        if (configured.isPresent()) {
            resolved = Path.of(configured.get());
            return resolved;
        }
        Optional<Path> onPath = Interpreters.onPath("uv");
        if (onPath.isPresent()) {
            resolved = onPath.get();
            return resolved;
        }
        Path venv = cacheDir.resolve("uv-" + version);
        Path uv = venv.resolve("bin/uv");
        if (!Files.isExecutable(uv)) {
            Path python = Interpreters.onPath("python3").orElseThrow(() -> new IOException(
                    "no uv on the PATH and no python3 to install uv " + version + " with"));
            LOG.infof("installing uv %s into %s (first use on this host)", version, venv);
            Files.createDirectories(cacheDir);
            Processes.Result r = Processes.run(List.of(python.toString(), "-m", "venv", venv.toString()),
                    Processes.toolEnvironment(), null, Duration.ofMinutes(2));
            if (r.ok()) {
                r = Processes.run(List.of(venv.resolve("bin/python").toString(), "-m", "pip", "install", "-q", "uv==" + version),
                        Processes.toolEnvironment(), null, Duration.ofMinutes(5));
            }
            if (!r.ok() || !Files.isExecutable(uv)) {
                Processes.run(List.of("rm", "-rf", venv.toString()), Processes.toolEnvironment(), null, Duration.ofMinutes(1));
                throw new IOException("installing uv " + version + " failed: " + r.tail(800));
            }
        }
        resolved = uv;
        return resolved;
    }
}

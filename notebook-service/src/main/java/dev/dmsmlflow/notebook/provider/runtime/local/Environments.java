package dev.dmsmlflow.notebook.provider.runtime.local;

import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.Phase;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.Progress;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.RuntimeFailure;
import dev.dmsmlflow.notebook.provider.runtime.RuntimeRequest;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each session's own Python environment, made with uv: a virtual environment of the closest interpreter, with the pinned
 * JupyterLab, the image's libraries and the session's packages. The resolution of an (interpreter, image, packages) set is
 * cached (a lock file in the cache directory) and uv's wheel cache links the files, so the next session of the same image
 * and packages installs without resolving or downloading; a session keeps its environment across restarts while its
 * image and packages stay the same.
 */
final class Environments {

    private static final Logger LOG = Logger.getLogger(Environments.class);

    /** A prepared environment. {@code note}: said to the user when the interpreter is not the image's version. */
    record Prepared(Path directory, Path python, String pythonVersion, String note, String key) {
    }

    private final UvTool uv;
    private final Interpreters interpreters;
    private final Path lockDir;
    private final String jupyterlabVersion;
    private final Duration installTimeout;
    private final Map<String, Object> keyLocks = new ConcurrentHashMap<>();

    Environments(UvTool uv, Interpreters interpreters, Path cacheDir, String jupyterlabVersion, Duration installTimeout) {
        this.uv = uv;
        this.interpreters = interpreters;
        this.lockDir = cacheDir.resolve("notebook-environments");
        this.jupyterlabVersion = jupyterlabVersion;
        this.installTimeout = installTimeout;
    }

    Prepared prepare(RuntimeRequest request, Path envDir, Path workDir, Progress progress) throws RuntimeFailure {
        try {
            Interpreters.Choice choice = interpreters.choose(request.python());
            Interpreters.Interpreter interpreter = choice.interpreter();
            List<String> requirements = new ArrayList<>();
            requirements.add("jupyterlab==" + jupyterlabVersion);
            requirements.addAll(request.libraries());
            requirements.addAll(request.packages());
            String key = key(interpreter, requirements);
            Path python = envDir.resolve("bin/python");
            Path marker = envDir.resolve(".dms-environment");
            if (Files.isExecutable(python) && Files.isRegularFile(marker) && Files.readString(marker).strip().equals(key)) {
                progress.report(Phase.ENVIRONMENT, "Python " + interpreter.version() + " environment kept from the last start");
                return new Prepared(envDir, python, interpreter.version(), choice.note(), key);
            }
            progress.report(Phase.ENVIRONMENT, "creating the Python " + interpreter.version() + " environment"
                    + (choice.note() == null ? "" : " (" + choice.note() + ")"));
            delete(envDir);
            Files.createDirectories(envDir.getParent());
            Map<String, String> env = uvEnvironment();
            Processes.Result r = Processes.run(List.of(uv.path().toString(), "venv", "--seed", "--no-progress", "--python",
                    interpreter.executable().toString(), envDir.toString()), env, workDir, Duration.ofMinutes(2));
            if (!r.ok()) {
                throw new RuntimeFailure("ENVIRONMENT_FAILED", "creating the Python environment failed: " + r.tail(1500));
            }
            Path lock = lockDir.resolve(key + ".txt");
            int own = request.libraries().size() + request.packages().size();
            synchronized (keyLocks.computeIfAbsent(key, k -> new Object())) {
                if (!Files.isRegularFile(lock)) {
                    progress.report(Phase.PACKAGES, "resolving JupyterLab " + jupyterlabVersion + (own == 0 ? "" : " and " + own
                            + " packages (" + String.join(", ", concat(request.libraries(), request.packages())) + ")")
                            + ": first time for this image and package set");
                    Files.createDirectories(lockDir);
                    Path in = workDir.resolve("requirements.in");
                    Files.writeString(in, String.join("\n", requirements) + "\n");
                    Path tmp = lockDir.resolve(key + ".txt.tmp-" + ProcessHandle.current().pid());
                    r = Processes.run(List.of(uv.path().toString(), "pip", "compile", "--no-progress", "--quiet", "--python",
                            python.toString(), "--no-header", "-o", tmp.toString(), in.toString()), env, workDir, installTimeout);
                    if (!r.ok()) {
                        Files.deleteIfExists(tmp);
                        throw new RuntimeFailure("PACKAGES_FAILED", "installing the packages failed: " + r.tail(2000));
                    }
                    Files.move(tmp, lock, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    progress.report(Phase.PACKAGES, "installing JupyterLab " + jupyterlabVersion + (own == 0 ? "" : " and " + own
                            + " packages") + " from the cached resolution of this image and package set");
                }
            }
            List<String> install = List.of(uv.path().toString(), "pip", "install", "--no-progress", "--quiet", "--python",
                    python.toString(), "-r", lock.toString());
            List<String> offline = new ArrayList<>(install);
            offline.add("--offline");
            r = Processes.run(offline, env, workDir, installTimeout);
            if (!r.ok()) {
                r = Processes.run(install, env, workDir, installTimeout);
            }
            if (!r.ok()) {
                throw new RuntimeFailure("PACKAGES_FAILED", "installing the packages failed: " + r.tail(2000));
            }
            Path sitePackages = envDir.resolve("lib/python" + interpreter.major() + "." + interpreter.minor() + "/site-packages");
            copyResource("runtime/sitecustomize.py", sitePackages.resolve("sitecustomize.py"));
            Files.writeString(marker, key + "\n");
            return new Prepared(envDir, python, interpreter.version(), choice.note(), key);
        } catch (IOException e) {
            LOG.warnf("environment of %s failed: %s", request.sessionId(), e.getMessage());
            throw new RuntimeFailure("ENVIRONMENT_FAILED", "preparing the Python environment failed: " + e.getMessage(), e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Map<String, String> uvEnvironment() {
        Map<String, String> env = Processes.toolEnvironment();
        env.put("UV_PYTHON_DOWNLOADS", "never");
        env.remove("VIRTUAL_ENV");
        return env;
    }

    static String key(Interpreters.Interpreter interpreter, List<String> requirements) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("v1|" + interpreter.version() + "|" + String.join("\n", new TreeSet<>(requirements)))
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void copyResource(String resource, Path target) throws IOException {
        try (InputStream in = Environments.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing resource " + resource);
            }
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            Processes.Result r = Processes.run(List.of("rm", "-rf", dir.toString()), Map.of("PATH", "/usr/bin:/bin"), null,
                    Duration.ofMinutes(2));
            if (!r.ok()) {
                throw new IOException("cannot remove " + dir + ": " + r.tail(300));
            }
        }
    }
}

package dev.dmsmlflow.notebook.provider.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Storage;
import dev.dmsmlflow.notebook.provider.runtime.JupyterApi;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.notebook.provider.runtime.RuntimeRequest;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The local runtime: per session a real JupyterLab process (from PyPI, in the session's own uv-made environment), bound to
 * 127.0.0.1 on a free port with a random token only this service knows, in the session's cgroups where the host allows,
 * with a minimal explicit environment (the user's variables, the managed tracking URI, never a secret of the service).
 * Files of session {@code s} live under {@code <work-dir>/notebook-sessions/s}: {@code env/} (Python), {@code runtime/}
 * (token, server state, logs, Jupyter and IPython directories, the wiring file) and {@code home/} (temporary storage, wiped
 * at every start). Persistent storage maps {@code oss://b/p} to {@code <oss-root>/b/p} and {@code nas://f/p} to
 * {@code <nas-root>/f/p}. Servers outlive a restart of the service and are adopted (unless {@code stop-on-shutdown}).
 * <p>
 * Replicas of the service on one host share the work directory ({@code ./dms up --cluster}): a session whose server another
 * replica started is adopted from its files (pid, port, token) the first time this replica is asked for it, and the
 * session's kernel id is kept in a file too, so every replica relays to, executes in and checks the same server and kernel.
 */
@ApplicationScoped
@Typed(LocalRuntime.class)
public class LocalRuntime implements NotebookRuntime {

    private static final Logger LOG = Logger.getLogger(LocalRuntime.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A running server as this service knows it. */
    private record Server(String sessionId, long pid, int port, Endpoint endpoint, Process process) {
    }

    private final NotebookConfig.Local config;
    private final Path sessionsDir;
    private final Path ossRoot;
    private final Path nasRoot;
    private final Environments environments;
    private final Cgroups cgroups;
    private final Map<String, Server> servers = new ConcurrentHashMap<>();
    private final Map<String, String> kernels = new ConcurrentHashMap<>();
    private final Map<String, Object> sessionLocks = new ConcurrentHashMap<>();

    public LocalRuntime(NotebookConfig notebookConfig) {
        this.config = notebookConfig.local();
        Path work = Path.of(config.workDir()).toAbsolutePath().normalize();
        this.sessionsDir = work.resolve("notebook-sessions");
        this.ossRoot = config.ossRoot().map(Path::of).orElse(work.resolve("oss")).toAbsolutePath().normalize();
        this.nasRoot = config.nasRoot().map(Path::of).orElse(work.resolve("nas")).toAbsolutePath().normalize();
        Path cache = Path.of(config.cacheDir().replaceFirst("^~", System.getProperty("user.home"))).toAbsolutePath().normalize();
        this.environments = new Environments(new UvTool(config.uv(), config.uvVersion(), cache), new Interpreters(), cache,
                config.jupyterlabVersion(), config.installTimeout());
        this.cgroups = new Cgroups(!"off".equals(config.cgroups()));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (config.stopOnShutdown()) {
            for (String id : List.copyOf(servers.keySet())) {
                stop(id);
            }
        }
    }

    @Override
    public String limits() {
        return cgroups.support().description();
    }

    /** The session's limit files as the kernel holds them (tests, diagnosis). */
    public Optional<String> enforcedLimits(String sessionId) {
        return cgroups.describe(sessionId);
    }

    /** Where the session's files are kept (its storage directory for persistent storage, else its temporary home). */
    public Path storageDirectory(String sessionId, Storage storage) {
        if (storage.temporary()) {
            return sessionsDir.resolve(sessionId).resolve("home");
        }
        Path root = "oss".equals(storage.scheme()) ? ossRoot : nasRoot;
        return root.resolve(storage.container()).resolve(storage.path()).normalize();
    }

    @Override
    public Started start(RuntimeRequest r, Progress progress) throws RuntimeFailure {
        synchronized (sessionLocks.computeIfAbsent(r.sessionId(), k -> new Object())) {
            Server running = known(r.sessionId());
            if (running != null && new JupyterApi(running.endpoint()).answers()) {
                return readStarted(r.sessionId(), running.port());
            }
            stop(r.sessionId());
            Path dir = sessionsDir.resolve(r.sessionId());
            Path runtime = dir.resolve("runtime");
            try {
                Files.createDirectories(runtime);
                setOwnerOnly(dir);
                Environments.Prepared env = environments.prepare(r, dir.resolve("env"), runtime, progress);
                progress.report(Phase.SERVER, "starting JupyterLab " + config.jupyterlabVersion());
                Path storage = storageDirectory(r.sessionId(), r.storage());
                if (r.storage().temporary()) {
                    Environments.delete(storage); // temporary storage does not survive a restart
                }
                Files.createDirectories(storage);
                String token = token();
                Path jupyterConfig = runtime.resolve("jupyter-config");
                Files.createDirectories(jupyterConfig);
                Path serverConfig = jupyterConfig.resolve("jupyter_server_config.json");
                Files.writeString(serverConfig, JSON.writeValueAsString(Map.of("IdentityProvider", Map.of("token", token))));
                setOwnerOnly(serverConfig);
                Path ipython = runtime.resolve("ipython");
                Environments.copyResource("runtime/ipython_startup.py", ipython.resolve("profile_default/startup/00-dms-session.py"));
                writeWiring(runtime, r.managed());
                int port = freePort();
                List<String> command = new ArrayList<>();
                List<Path> procs = cgroups.create(r.sessionId(), r.cpus(), r.memoryGib());
                if (!procs.isEmpty()) {
                    StringBuilder join = new StringBuilder();
                    for (Path p : procs) {
                        join.append("echo $$ > '").append(p).append("' && ");
                    }
                    command.addAll(List.of("/bin/sh", "-c", join + "exec \"$@\"", "dms-notebook"));
                }
                command.addAll(List.of(env.python().toString(), "-m", "jupyterlab", "--no-browser",
                        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=" + port, "--ServerApp.port_retries=0",
                        "--ServerApp.base_url=" + r.basePath(), "--ServerApp.root_dir=" + storage,
                        "--ServerApp.allow_remote_access=False", "--ServerApp.open_browser=False"));
                if ("root".equals(System.getProperty("user.name"))) {
                    command.add("--allow-root");
                }
                ProcessBuilder pb = new ProcessBuilder(command).directory(storage.toFile())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(runtime.resolve("server.log").toFile()));
                Map<String, String> environment = pb.environment();
                environment.clear();
                environment.putAll(sessionEnvironment(r, env, storage, runtime));
                Process process = pb.start();
                process.getOutputStream().close();
                URI base = URI.create("http://127.0.0.1:" + port + r.basePath());
                Endpoint endpoint = new Endpoint(base, token);
                Server server = new Server(r.sessionId(), process.pid(), port, endpoint, process);
                servers.put(r.sessionId(), server);
                Files.writeString(runtime.resolve("server.json"), JSON.writeValueAsString(Map.of("pid", process.pid(), "port", port,
                        "basePath", r.basePath(), "startedAt", Instant.now().toString())));
                Files.writeString(runtime.resolve("token"), token);
                setOwnerOnly(runtime.resolve("token"));
                awaitAnswer(server, runtime);
                Started started = new Started(port, env.pythonVersion(), env.note(), env.key(),
                        cgroups.support().enforced() ? r.cpus() + " vCPU, " + r.memoryGib() + " GiB " + cgroups.support().description()
                                : cgroups.support().description());
                Files.writeString(runtime.resolve("started.json"), JSON.writeValueAsString(started));
                return started;
            } catch (IOException e) {
                stop(r.sessionId());
                throw new RuntimeFailure("SERVER_FAILED", "starting JupyterLab failed: " + e.getMessage(), e);
            } catch (RuntimeFailure e) {
                stop(r.sessionId());
                throw e;
            }
        }
    }

    private Started readStarted(String sessionId, int port) {
        try {
            JsonNode n = JSON.readTree(sessionsDir.resolve(sessionId).resolve("runtime/started.json").toFile());
            return new Started(port, n.path("python").asText(), n.path("pythonNote").asText(null), n.path("environmentKey").asText(),
                    n.path("limits").asText());
        } catch (IOException e) {
            return new Started(port, null, null, null, limits());
        }
    }

    private Map<String, String> sessionEnvironment(RuntimeRequest r, Environments.Prepared env, Path storage, Path runtime) {
        Map<String, String> e = new LinkedHashMap<>();
        for (String name : config.passEnvironment()) {
            String v = System.getenv(name);
            if (v != null) {
                e.put(name, v);
            }
        }
        e.putAll(r.environment());
        e.put("PATH", env.directory().resolve("bin") + ":/usr/local/bin:/usr/bin:/bin");
        e.put("VIRTUAL_ENV", env.directory().toString());
        e.put("HOME", storage.toString());
        e.putIfAbsent("LANG", "C.UTF-8");
        e.put("JUPYTER_CONFIG_DIR", runtime.resolve("jupyter-config").toString());
        e.put("JUPYTER_DATA_DIR", runtime.resolve("jupyter-data").toString());
        e.put("JUPYTER_RUNTIME_DIR", runtime.resolve("jupyter-runtime").toString());
        e.put("IPYTHONDIR", runtime.resolve("ipython").toString());
        e.put("DMS_SESSION_ID", r.sessionId());
        e.put("DMS_SESSION_SOURCE_ADDRESS", r.sourceAddress());
        e.put("DMS_SESSION_WIRING", runtime.resolve("wiring.json").toString());
        if (r.developmentMode()) {
            e.put("DMS_SESSION_DEVELOPMENT_MODE", "1");
        }
        e.putAll(r.managed());
        return e;
    }

    private void awaitAnswer(Server server, Path runtime) throws RuntimeFailure {
        JupyterApi api = new JupyterApi(server.endpoint());
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.process().isAlive()) {
                throw new RuntimeFailure("SERVER_FAILED", "JupyterLab exited with code " + server.process().exitValue() + ": "
                        + logTail(runtime.resolve("server.log")));
            }
            if (api.answers()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeFailure("INTERRUPTED", "interrupted while JupyterLab started");
            }
        }
        throw new RuntimeFailure("SERVER_FAILED", "JupyterLab did not answer within " + config.startTimeout().toSeconds() + " s: "
                + logTail(runtime.resolve("server.log")));
    }

    private static String logTail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8).strip();
            return s.length() <= 1200 ? s : "…" + s.substring(s.length() - 1200);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void stop(String sessionId) {
        Server server = servers.remove(sessionId);
        kernels.remove(sessionId);
        List<ProcessHandle> handles = new ArrayList<>();
        if (server != null) {
            ProcessHandle.of(server.pid()).ifPresent(handles::add);
        } else {
            readServerPid(sessionId).flatMap(ProcessHandle::of).filter(h -> belongsTo(h, sessionId)).ifPresent(handles::add);
        }
        for (ProcessHandle h : handles) {
            List<ProcessHandle> descendants = h.descendants().toList();
            h.destroy(); // SIGTERM: Jupyter shuts its kernels and terminals down
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
            descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
        for (Long pid : cgroups.members(sessionId)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (int i = 0; i < 50 && !cgroups.members(sessionId).isEmpty(); i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        cgroups.remove(sessionId);
        try {
            Files.deleteIfExists(sessionsDir.resolve(sessionId).resolve("runtime/server.json"));
            Files.deleteIfExists(sessionsDir.resolve(sessionId).resolve("runtime/kernel"));
        } catch (IOException ignored) {
            // nothing to forget
        }
    }

    private Optional<Long> readServerPid(String sessionId) {
        try {
            Path f = sessionsDir.resolve(sessionId).resolve("runtime/server.json");
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(f.toFile()).path("pid").asLong());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a process is the Jupyter server of the session (its command line runs from the session's environment). The
     * raw command line first: the JDK's shows the interpreter the environment's {@code bin/python} links to, and a session
     * with persistent storage has no other argument under its directory.
     */
    private boolean belongsTo(ProcessHandle h, String sessionId) {
        String marker = sessionsDir.resolve(sessionId).toString();
        try {
            String raw = Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"), StandardCharsets.UTF_8);
            if (raw.contains(marker)) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // no procfs here: the JDK's view below
        }
        return h.info().commandLine().map(c -> c.contains(marker)).orElse(false)
                || h.info().command().map(c -> c.contains(marker)).orElse(false);
    }

    /**
     * The session's server: as this replica started or adopted it while its process lives, else as the files of the session
     * say (started by another replica on this host, or restarted there since), adopted when it runs and answers.
     */
    private Server known(String sessionId) {
        Server s = servers.get(sessionId);
        if (s != null) {
            if (s.process() != null || ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                return s;
            }
            servers.remove(sessionId, s); // adopted, and gone since: perhaps restarted by another replica
            kernels.remove(sessionId);
        }
        Optional<ProcessHandle> h = readServerPid(sessionId).flatMap(ProcessHandle::of).filter(p -> p.isAlive() && belongsTo(p, sessionId));
        return h.isPresent() && adopt(sessionId, h.get()) ? servers.get(sessionId) : null;
    }

    @Override
    public boolean alive(String sessionId) {
        Server s = known(sessionId);
        return s != null && ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false) && new JupyterApi(s.endpoint()).answers();
    }

    @Override
    public Activity activity(String sessionId) throws RuntimeFailure {
        Server s = known(sessionId);
        if (s == null) {
            throw new RuntimeFailure("SERVER_GONE", "the session's server is not running");
        }
        return new JupyterApi(s.endpoint()).activity();
    }

    @Override
    public void wire(String sessionId, Map<String, String> managed) throws RuntimeFailure {
        try {
            writeWiring(sessionsDir.resolve(sessionId).resolve("runtime"), managed);
        } catch (IOException e) {
            throw new RuntimeFailure("WIRING_FAILED", "cannot update the session's variables: " + e.getMessage(), e);
        }
    }

    private static void writeWiring(Path runtime, Map<String, String> managed) throws IOException {
        Files.createDirectories(runtime);
        Path tmp = runtime.resolve("wiring.json.tmp");
        Files.writeString(tmp, JSON.writeValueAsString(new HashMap<>(managed)));
        Files.move(tmp, runtime.resolve("wiring.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public ExecutionOutcome execute(String sessionId, String code, Duration timeout, Output output) throws RuntimeFailure {
        Server s = known(sessionId);
        if (s == null) {
            throw new RuntimeFailure("SERVER_GONE", "the session's server is not running");
        }
        JupyterApi api = new JupyterApi(s.endpoint());
        try {
            String kernel;
            synchronized (sessionLocks.computeIfAbsent(sessionId, k -> new Object())) {
                Path kernelFile = sessionsDir.resolve(sessionId).resolve("runtime/kernel");
                // the file first: the kernel in use, whichever replica of this host started it
                String held = Files.isRegularFile(kernelFile) ? Files.readString(kernelFile).strip() : kernels.get(sessionId);
                kernel = api.kernel(held);
                kernels.put(sessionId, kernel);
                if (!kernel.equals(held)) {
                    Files.writeString(kernelFile, kernel);
                }
            }
            return api.execute(kernel, code, timeout, output);
        } catch (IOException e) {
            throw new RuntimeFailure("KERNEL_FAILED", "the session's kernel failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure("INTERRUPTED", "interrupted");
        }
    }

    @Override
    public Optional<Endpoint> endpoint(String sessionId) {
        return Optional.ofNullable(known(sessionId)).map(Server::endpoint);
    }

    @Override
    public void discard(String sessionId) {
        stop(sessionId);
        try {
            Environments.delete(sessionsDir.resolve(sessionId));
        } catch (IOException e) {
            LOG.warnf("cannot remove the files of deleted session %s: %s", sessionId, e.getMessage());
        }
        sessionLocks.remove(sessionId);
    }

    @Override
    public Collection<String> reconcile(Collection<String> running, Collection<String> inProgress) {
        Set<String> wanted = Set.copyOf(running);
        Set<String> busy = Set.copyOf(inProgress);
        List<String> lost = new ArrayList<>();
        if (Files.isDirectory(sessionsDir)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(sessionsDir)) {
                for (Path dir : dirs) {
                    String id = dir.getFileName().toString();
                    if (servers.containsKey(id) || busy.contains(id)) {
                        continue;
                    }
                    Optional<ProcessHandle> h = readServerPid(id).flatMap(ProcessHandle::of).filter(p -> p.isAlive() && belongsTo(p, id));
                    if (h.isEmpty()) {
                        continue;
                    }
                    if (wanted.contains(id) && adopt(id, h.get())) {
                        LOG.infof("adopted the running JupyterLab of session %s (pid %d)", id, h.get().pid());
                    } else {
                        LOG.infof("stopping the JupyterLab of session %s, which should not run", id);
                        stop(id);
                    }
                }
            } catch (IOException e) {
                LOG.warnf("cannot scan %s: %s", sessionsDir, e.getMessage());
            }
        }
        for (String id : wanted) {
            if (!servers.containsKey(id)) {
                lost.add(id);
            }
        }
        return lost;
    }

    private boolean adopt(String id, ProcessHandle h) {
        try {
            Path runtime = sessionsDir.resolve(id).resolve("runtime");
            JsonNode state = JSON.readTree(runtime.resolve("server.json").toFile());
            String token = Files.readString(runtime.resolve("token")).strip();
            int port = state.path("port").asInt();
            Endpoint endpoint = new Endpoint(URI.create("http://127.0.0.1:" + port + state.path("basePath").asText()), token);
            if (!new JupyterApi(endpoint).answers()) {
                return false;
            }
            servers.put(id, new Server(id, h.pid(), port, endpoint, null));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void setOwnerOnly(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort on file systems without POSIX permissions
        }
    }
}

package dev.dmsmlflow.instance.provider.compute.local;

import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The local compute provider: one tracking-server child process per instance ({@code java -jar}), on its own
 * database and a port of 127.0.0.1, with its artifact root in a local directory standing for OSS. Its pid and
 * port are kept in {@code <work-dir>/compute/<instance>/server.properties}, its output in {@code tracking-server.log}
 * next to it, so that a restarted service can adopt, restart or remove the processes. During a rolling replacement (a
 * resize) a second server of the instance runs on another port, recorded in {@code successor.properties} until it
 * takes over.
 * <p>
 * Several replicas of the service may share one work directory on one host (they find each other's servers in the
 * process table): every start, replacement and stop of an instance's servers runs under a file lock of that instance
 * ({@code <work-dir>/compute/<instance>/compute.lock}) as well as the replica's own monitor, so two replicas never start
 * a server for the same instance at once: the second finds the first's and adopts it. A server another replica is
 * starting counts as live. A reconcile stops only servers that ran before its picture of the database was taken
 * ({@link #reconcile(Collection, Collection, Instant)}).
 */
@ApplicationScoped
@Typed(LocalCompute.class)
public class LocalCompute implements Compute {

    private static final Logger LOG = Logger.getLogger(LocalCompute.class);
    private static final String MARKER = "-Ddms.instance.id=";
    private static final String HOME_MARKER = "-Ddms.compute.home=";
    private static final String PORT_ARG = "-Dquarkus.http.port=";
    private static final String STATE = "server.properties";
    private static final String SUCCESSOR_STATE = "successor.properties";
    private static final String LOCK = "compute.lock";
    /**
     * How much earlier than a reconcile's picture a server must have started to be judged by it: a process's start time
     * is known to the second only (the kernel's boot time in /proc/stat), so a younger one is left alone.
     */
    static final Duration START_TIME_SLACK = Duration.ofSeconds(2);

    private final LocalComputeConfig config;
    private final Path computeDir;
    private final Path ossRoot;
    /** Marks the processes of this provider's work directory (several services or tests may share a host). */
    private final String homeArg;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** One monitor per instance directory in this JVM, whatever LocalCompute made it (a JVM may hold a file's lock once only). */
    private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();
    /** Instances a server is being started (or adopted) for right now, waiting for its health check. */
    private final Set<String> starting = ConcurrentHashMap.newKeySet();

    LocalCompute(LocalComputeConfig config) {
        this.config = config;
        Path work = Path.of(config.workDir()).toAbsolutePath().normalize();
        this.computeDir = work.resolve("compute");
        this.homeArg = HOME_MARKER + work;
        this.ossRoot = config.ossRoot().map(p -> Path.of(p).toAbsolutePath().normalize()).orElse(work.resolve("oss"));
    }

    /** The local directory holding the artifacts of {@code oss://bucket/path}. */
    public Path artifactDirectory(String bucket, String path) {
        Path dir = ossRoot.resolve(bucket).resolve(path).normalize();
        if (!dir.startsWith(ossRoot)) {
            throw new IllegalArgumentException("artifact path escapes the OSS root");
        }
        return dir;
    }

    /** Directory of an instance's state file and log. */
    public Path instanceDirectory(String instanceId) {
        return computeDir.resolve(instanceId);
    }

    @Override
    public ComputeAddress start(ComputeRequest request) throws ComputeException {
        return locked(request.instanceId(), () -> startHeld(request));
    }

    private ComputeAddress startHeld(ComputeRequest request) throws ComputeException {
        synchronized (lock(request.instanceId())) {
            Optional<Running> existing = running(request.instanceId());
            if (existing.isPresent()) {
                Running r = existing.get();
                if (awaitHealthy(request.instanceId(), r.process, r.port, config.healthTimeout())) { // it may still be starting
                    writeState(stateFile(request.instanceId()), r.process.pid(), r.port, request.version()); // adopted: record it
                    return new ComputeAddress(config.host(), r.port);
                }
                LOG.warnf("tracking server of %s (pid %d) is not healthy; replacing it", request.instanceId(), r.process.pid());
                kill(r.process);
            }
            return launch(request, stateFile(request.instanceId()), -1);
        }
    }

    @Override
    public ComputeAddress startSuccessor(ComputeRequest request, int currentPort) throws ComputeException {
        return locked(request.instanceId(), () -> startSuccessorHeld(request, currentPort));
    }

    private ComputeAddress startSuccessorHeld(ComputeRequest request, int currentPort) throws ComputeException {
        String id = request.instanceId();
        synchronized (lock(id)) {
            Running adopted = null;
            for (Running r : scan().getOrDefault(id, List.of())) {
                if (r.port == currentPort) {
                    continue; // the serving one
                }
                if (adopted == null && awaitHealthy(id, r.process, r.port, config.healthTimeout())) {
                    adopted = r; // started before a restart of this service
                } else {
                    LOG.warnf("stopping a second tracking server of %s (pid %d, port %d) that is not needed", id, r.process.pid(), r.port);
                    kill(r.process);
                }
            }
            if (adopted != null) {
                writeState(successorStateFile(id), adopted.process.pid(), adopted.port, request.version());
                return new ComputeAddress(config.host(), adopted.port);
            }
            return launch(request.withPreferredPort(null), successorStateFile(id), currentPort);
        }
    }

    @Override
    public void retireAllBut(String instanceId, int keepPort) {
        lockedQuietly(instanceId, () -> retireAllButHeld(instanceId, keepPort));
    }

    private void retireAllButHeld(String instanceId, int keepPort) {
        synchronized (lock(instanceId)) {
            Running kept = null;
            for (Running r : scan().getOrDefault(instanceId, List.of())) {
                if (kept == null && r.port == keepPort) {
                    kept = r;
                    continue;
                }
                kill(r.process);
                LOG.infof("stopped tracking server of %s on port %d (pid %d); the one on port %d serves", instanceId, r.port,
                        r.process.pid(), keepPort);
            }
            try {
                Path successor = successorStateFile(instanceId);
                if (kept != null) {
                    Properties recorded = readState(successor).filter(p -> Integer.toString(keepPort).equals(p.getProperty("port")))
                            .or(() -> readState(stateFile(instanceId))).orElse(new Properties());
                    writeState(stateFile(instanceId), kept.process.pid(), keepPort, recorded.getProperty("version"));
                }
                Files.deleteIfExists(successor);
            } catch (IOException | ComputeException e) {
                LOG.warnf("could not record the remaining tracking server of %s: %s", instanceId, e.getMessage());
            }
        }
    }

    @Override
    public void stop(String instanceId) {
        lockedQuietly(instanceId, () -> stopHeld(instanceId));
    }

    private void stopHeld(String instanceId) {
        synchronized (lock(instanceId)) {
            for (Running r : scan().getOrDefault(instanceId, List.of())) {
                kill(r.process);
                LOG.infof("stopped tracking server of %s (pid %d)", instanceId, r.process.pid());
            }
            try {
                Files.deleteIfExists(stateFile(instanceId));
                Files.deleteIfExists(successorStateFile(instanceId));
            } catch (IOException e) {
                LOG.warnf("could not remove state of %s: %s", instanceId, e.getMessage());
            }
        }
    }

    @Override
    public boolean isRunning(String instanceId) {
        return running(instanceId).isPresent();
    }

    @Override
    public boolean isLive(String instanceId) {
        if (starting.contains(instanceId) || heldElsewhere(instanceId)) {
            return true; // a server that is still starting (another thread or replica waits for its health check) is not hung
        }
        Optional<Running> r = running(instanceId);
        if (r.isEmpty()) {
            return false;
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + config.host() + ":" + r.get().port + "/health/live"))
                .timeout(config.livenessTimeout()).GET().build();
        try {
            http.send(req, HttpResponse.BodyHandlers.discarding());
            return true; // any answer: the process serves HTTP (a server of an older version may not know the path)
        } catch (IOException e) {
            return false; // refused, reset or no answer within the timeout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // not a verdict on the server
        }
    }

    @Override
    public ComputeAddress replace(ComputeRequest request) throws ComputeException {
        return locked(request.instanceId(), () -> replaceHeld(request));
    }

    private ComputeAddress replaceHeld(ComputeRequest request) throws ComputeException {
        synchronized (lock(request.instanceId())) {
            for (Running r : scan().getOrDefault(request.instanceId(), List.of())) {
                LOG.warnf("killing unresponsive tracking server of %s (pid %d)", request.instanceId(), r.process.pid());
                r.process.destroyForcibly(); // SIGKILL: a stopped (SIGSTOP) process acts on nothing else
                try {
                    r.process.onExit().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ComputeException("interrupted while replacing the tracking server of " + request.instanceId(), e);
                } catch (Exception e) {
                    LOG.warnf("process %d did not exit", r.process.pid());
                }
            }
            return launch(request, stateFile(request.instanceId()), -1);
        }
    }

    @Override
    public boolean supportsVersion(String version) {
        return version == null || config.versions().containsKey(version);
    }

    @Override
    public void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress) {
        reconcile(wanted, inProgress, Instant.MAX);
    }

    @Override
    public void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress, Instant asOf) {
        Map<String, ComputeRequest> byId = new HashMap<>();
        wanted.forEach(w -> byId.put(w.instanceId(), w));
        Instant startedBefore = asOf.equals(Instant.MAX) ? asOf : asOf.minus(START_TIME_SLACK);
        for (String id : knownInstances()) {
            if (!byId.containsKey(id) && !inProgress.contains(id)) {
                removeOrphan(id, startedBefore);
            }
        }
        for (ComputeRequest w : byId.values()) {
            boolean wasRunning = running(w.instanceId()).isPresent();
            try {
                ComputeAddress a = start(w); // adopts a healthy server, replaces an unhealthy one, restarts a dead one
                LOG.infof("%s tracking server of %s on port %d", wasRunning ? "adopted" : "restarted dead", w.instanceId(), a.port());
            } catch (ComputeException e) {
                LOG.errorf("could not restart tracking server of %s: %s", w.instanceId(), e.getMessage());
            }
        }
    }

    /**
     * Stops the servers of an instance that should have none, but only those started before {@code startedBefore}: a younger
     * one was started by a step the reconcile's picture did not know yet (another replica's), not left over.
     */
    private void removeOrphan(String instanceId, Instant startedBefore) {
        lockedQuietly(instanceId, () -> {
            boolean younger = false;
            for (Running r : scan().getOrDefault(instanceId, List.of())) {
                Optional<Instant> started = r.process.info().startInstant();
                if (started.isEmpty() || !started.get().isBefore(startedBefore)) {
                    younger = true;
                    LOG.infof("leaving the tracking server of %s (pid %d) alone: it started after this reconcile looked", instanceId,
                            r.process.pid());
                    continue;
                }
                LOG.infof("removing orphan tracking server of %s (pid %d)", instanceId, r.process.pid());
                kill(r.process);
            }
            if (!younger) {
                try {
                    Files.deleteIfExists(stateFile(instanceId));
                    Files.deleteIfExists(successorStateFile(instanceId));
                } catch (IOException e) {
                    LOG.warnf("could not remove state of %s: %s", instanceId, e.getMessage());
                }
            }
        });
    }

    /** Work on an instance's servers that may throw. */
    @FunctionalInterface
    private interface Held<T> {
        T run() throws ComputeException;
    }

    /** Runs {@code work} holding this replica's monitor of the instance and the instance's file lock (shared by replicas). */
    private <T> T locked(String instanceId, Held<T> work) throws ComputeException {
        synchronized (lock(instanceId)) {
            Path file = instanceDirectory(instanceId).resolve(LOCK);
            try {
                Files.createDirectories(file.getParent());
            } catch (IOException e) {
                throw new ComputeException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) { // waits while another replica works on the instance
                return work.run();
            } catch (IOException e) {
                throw new ComputeException("cannot lock " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** As {@link #locked}, for work that logs its own failures (stops): a lock that cannot be taken is logged. */
    private void lockedQuietly(String instanceId, Runnable work) {
        try {
            locked(instanceId, () -> {
                work.run();
                return null;
            });
        } catch (ComputeException e) {
            LOG.warnf("could not work on the tracking servers of %s: %s", instanceId, e.getMessage());
        }
    }

    /** Whether another replica (another process) holds the instance's file lock right now: it is starting or stopping a server. */
    private boolean heldElsewhere(String instanceId) {
        Path file = instanceDirectory(instanceId).resolve(LOCK);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        // under this replica's monitor: closing a second channel of the file would drop a lock this process holds
        synchronized (lock(instanceId)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    return true;
                }
                lock.release();
                return false;
            } catch (OverlappingFileLockException | IOException e) {
                return false;
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (config.stopOnShutdown()) {
            knownInstances().forEach(this::stop);
        }
    }

    /**
     * Starts a tracking server and waits for its health check; its pid and port go to {@code state} first (so a server
     * started by a service killed a moment later is known), which is removed again if it does not become healthy.
     *
     * @param avoidPort a port the new server must not take (the serving one, during a rolling replacement), or -1
     */
    private ComputeAddress launch(ComputeRequest request, Path state, int avoidPort) throws ComputeException {
        Path jar = jarFor(request.version());
        if (!Files.isRegularFile(jar)) {
            throw new ComputeException("tracking-server jar not found: " + jar);
        }
        // keep the port of a restarted server (the load balancer forwards to it); a process that just died may
        // still hold it for a moment while its threads exit
        int port = request.preferredPort() != null && awaitFree(request.preferredPort(), Duration.ofSeconds(15))
                ? request.preferredPort() : freePort();
        while (port == avoidPort) {
            port = freePort();
        }
        Path dir = instanceDirectory(request.instanceId());
        Path artifacts = artifactDirectory(request.ossBucket(), request.ossPath());
        try {
            Files.createDirectories(dir);
            Files.createDirectories(artifacts);
        } catch (IOException e) {
            throw new ComputeException("cannot create directories for " + request.instanceId() + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add(MARKER + request.instanceId());
        cmd.add(homeArg);
        cmd.add("-XX:ActiveProcessorCount=" + request.cpuCores());
        cmd.add("-Xmx" + (request.memoryGiB() * 768) + "m");
        config.jvmOptions().ifPresent(cmd::addAll);
        cmd.add("-Dquarkus.http.host=" + config.host());
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Ddms.tracking.artifact-root=" + artifacts);
        // no experiment or model version may point outside the instance's own root
        cmd.add("-Ddms.tracking.confine-artifact-locations=true");
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("tracking-server.log").toFile()));
        pb.environment().clear();
        pb.environment().putAll(childEnvironment(request));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ComputeException("cannot start tracking server: " + e.getMessage(), e);
        }
        writeState(state, process.pid(), port, request.version());
        LOG.infof("started tracking server of %s (pid %d, port %d, %s)", request.instanceId(), process.pid(), port, jar.getFileName());
        ProcessHandle handle = process.toHandle();
        if (!awaitHealthy(request.instanceId(), handle, port, config.healthTimeout())) {
            String why = handle.isAlive() ? "did not answer GET /health within " + config.healthTimeout().toSeconds() + "s"
                    : "exited with code " + exitCode(process) + " before answering GET /health";
            kill(handle);
            try {
                Files.deleteIfExists(state);
            } catch (IOException ignored) {
                // the process is gone; a stale file is removed by the next reconcile
            }
            throw new ComputeException("tracking server " + why + " (log: " + dir.resolve("tracking-server.log") + ")");
        }
        return new ComputeAddress(config.host(), port);
    }

    /**
     * The whole environment of a tracking server, never this service's own: the basics a JVM needs (the variables of
     * {@code dms.compute.local.passed-environment} that are set here, e.g. PATH, JAVA_HOME, LANG, TZ) and its own database
     * login. Credentials go through the environment, not the command line, and are in no log; this service's database,
     * Kafka and key settings are not there, whatever the parent's environment holds.
     */
    Map<String, String> childEnvironment(ComputeRequest request) {
        Map<String, String> env = new HashMap<>();
        for (String name : config.passedEnvironment()) {
            String value = System.getenv(name);
            if (value != null && !name.startsWith("DMS_")) {
                env.put(name, value);
            }
        }
        env.put("DMS_TRACKING_DB_URL", request.jdbcUrl());
        env.put("DMS_TRACKING_DB_USER", request.dbUser());
        env.put("DMS_TRACKING_DB_PASSWORD", request.dbPassword());
        if (request.backendAuthDigest() != null) {
            // only the digest: the secret stays with the load balancer
            env.put("DMS_BACKEND_AUTH_DIGEST", request.backendAuthDigest());
        }
        return env;
    }

    /** Waits for the health check of a server of the instance; meanwhile its liveness probe is no verdict ({@link #isLive}). */
    private boolean awaitHealthy(String instanceId, ProcessHandle process, int port, Duration timeout) {
        starting.add(instanceId);
        try {
            return awaitHealthy(process, port, timeout);
        } finally {
            starting.remove(instanceId);
        }
    }

    private boolean awaitHealthy(ProcessHandle process, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + config.host() + ":" + port + "/health"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                process.onExit().get(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception timeoutOrExit) {
                // either still running (poll again) or exited (seen at the top of the loop)
            }
        }
        return false;
    }

    /**
     * The instance's live tracking server, found in the process table by its command-line markers, so that a
     * server started by a service killed before it could record it is found too. Extra copies are stopped, except the
     * recorded second server of a rolling replacement (it is there on purpose until it takes over or is given up).
     */
    private Optional<Running> running(String instanceId) {
        List<Running> found = scan().getOrDefault(instanceId, List.of());
        String successorPort = readState(successorStateFile(instanceId)).map(p -> p.getProperty("port")).orElse(null);
        List<Running> serving = found.stream().filter(r -> !Integer.toString(r.port).equals(successorPort)).toList();
        for (int k = 1; k < serving.size(); k++) {
            LOG.warnf("stopping duplicate tracking server of %s (pid %d)", instanceId, serving.get(k).process.pid());
            kill(serving.get(k).process);
        }
        if (!serving.isEmpty()) {
            return Optional.of(serving.get(0));
        }
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Live tracking servers of this work directory by instance id. */
    private Map<String, List<Running>> scan() {
        Map<String, List<Running>> byInstance = new HashMap<>();
        ProcessHandle.allProcesses().forEach(h -> {
            String[] args = h.info().arguments().orElse(null);
            if (args == null || !List.of(args).contains(homeArg)) {
                return;
            }
            String id = null;
            int port = 0;
            for (String a : args) {
                if (a.startsWith(MARKER)) {
                    id = a.substring(MARKER.length());
                } else if (a.startsWith(PORT_ARG)) {
                    port = Integer.parseInt(a.substring(PORT_ARG.length()));
                }
            }
            if (id != null && h.isAlive()) {
                byInstance.computeIfAbsent(id, k -> new ArrayList<>()).add(new Running(h, port));
            }
        });
        return byInstance;
    }

    private List<String> knownInstances() {
        Set<String> ids = new HashSet<>(scan().keySet());
        if (Files.isDirectory(computeDir)) {
            try (Stream<Path> dirs = Files.list(computeDir)) {
                dirs.filter(d -> Files.isRegularFile(d.resolve("server.properties")))
                        .forEach(d -> ids.add(d.getFileName().toString()));
            } catch (IOException e) {
                LOG.warnf("cannot list %s: %s", computeDir, e.getMessage());
            }
        }
        return new ArrayList<>(ids);
    }

    private void writeState(Path file, long pid, int port, String version) throws ComputeException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("port", Integer.toString(port));
        if (version != null) {
            p.setProperty("version", version);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "tracking server of instance " + file.getParent().getFileName());
        } catch (IOException e) {
            throw new ComputeException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Properties> readState(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (java.io.InputStream in = Files.newInputStream(file)) {
            p.load(in);
            return Optional.of(p);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Path stateFile(String instanceId) {
        return instanceDirectory(instanceId).resolve(STATE);
    }

    /** Where the second server of a rolling replacement is recorded until it takes over. */
    private Path successorStateFile(String instanceId) {
        return instanceDirectory(instanceId).resolve(SUCCESSOR_STATE);
    }

    private Path jarFor(String version) throws ComputeException {
        if (version == null) {
            return Path.of(config.trackingServerJar()).toAbsolutePath().normalize();
        }
        String jar = config.versions().get(version);
        if (jar == null) {
            throw new ComputeException("unknown tracking-server version " + version);
        }
        return Path.of(jar).toAbsolutePath().normalize();
    }

    private Object lock(String instanceId) {
        return LOCKS.computeIfAbsent(instanceDirectory(instanceId), k -> new Object());
    }

    private static void kill(ProcessHandle h) {
        h.destroy();
        try {
            h.onExit().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                LOG.warnf("process %d did not exit", h.pid());
            }
        }
    }

    private static String exitCode(Process p) {
        try {
            return p.waitFor(2, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .filter(c -> c.endsWith("java"))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private boolean awaitFree(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isFree(port)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(config.host()))) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private int freePort() throws ComputeException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(config.host()))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new ComputeException("no free port on " + config.host(), e);
        }
    }

    private record Running(ProcessHandle process, int port) {
    }
}

package dev.dmsmlflow.instance.provider.compute.local;

import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas of instance-service on one host share a work directory: their local compute providers (here two
 * {@link LocalCompute}s on one directory, and a second process holding an instance's lock) must never run an instance's
 * tracking server twice, must count a server the other replica is starting as live, and a reconcile must not remove a
 * server started after its picture of the database. The "tracking server" is a tiny jar answering {@code GET /health}.
 */
class LocalComputeReplicasTest {

    @TempDir
    static Path shared;
    static Path jar;

    @TempDir
    Path work;

    @BeforeAll
    static void buildFakeServer() throws Exception {
        Path src = shared.resolve("src/FakeTrackingServer.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                import com.sun.net.httpserver.HttpServer;
                import java.net.InetSocketAddress;
                public class FakeTrackingServer {
                    public static void main(String[] args) throws Exception {
                        HttpServer s = HttpServer.create(new InetSocketAddress(System.getProperty("quarkus.http.host"),
                                Integer.getInteger("quarkus.http.port")), 0);
                        s.createContext("/health", x -> { x.sendResponseHeaders(200, -1); x.close(); });
                        s.start();
                    }
                }
                """);
        Path classes = shared.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.toString()));
        jar = shared.resolve("fake-tracking-server.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "FakeTrackingServer");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry("FakeTrackingServer.class"));
            out.write(Files.readAllBytes(classes.resolve("FakeTrackingServer.class")));
            out.closeEntry();
        }
    }

    @AfterEach
    void stopServers() {
        servers().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void twoReplicasStartingOneInstanceAtOnceRunOneServerAndAgreeOnItsPort() throws Exception {
        LocalCompute a = compute();
        LocalCompute b = compute();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<ComputeAddress> fromA = pool.submit(() -> a.start(request("inst-twice")));
            Future<ComputeAddress> fromB = pool.submit(() -> b.start(request("inst-twice")));
            ComputeAddress first = fromA.get(60, TimeUnit.SECONDS);
            ComputeAddress second = fromB.get(60, TimeUnit.SECONDS);
            assertEquals(first.port(), second.port(), "both replicas must name the same server");
            assertEquals(1, servers().size(), "one tracking server for the instance: " + servers());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aServerAnotherReplicaIsStartingCountsAsLive() throws Exception {
        LocalCompute a = compute();
        assertFalse(a.isLive("inst-starting"), "nothing runs and nobody starts it");
        Path lockFile = a.instanceDirectory("inst-starting").resolve("compute.lock");
        Files.createDirectories(lockFile.getParent());
        Process other = holdLock(lockFile);
        try {
            assertTrue(a.isLive("inst-starting"), "another replica holds the instance: its server is starting, not hung");
        } finally {
            other.getOutputStream().close(); // lets it go
            assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        }
        assertFalse(a.isLive("inst-starting"), "once the other replica let go and no server runs, it is not live");
    }

    @Test
    void aReconcileLeavesAServerStartedAfterItsPictureAloneAndRemovesAnOlderOrphan() throws Exception {
        LocalCompute a = compute();
        LocalCompute b = compute();
        Instant picture = Instant.now().minusSeconds(10); // b read the database before a's step started the server
        a.start(request("inst-young"));
        b.reconcile(List.of(), List.of(), picture);
        assertEquals(1, servers().size(), "a server younger than the reconcile's picture is not an orphan");
        assertTrue(a.isRunning("inst-young"));

        b.reconcile(List.of(), List.of(), Instant.now().plusSeconds(5)); // a picture taken after it started: an orphan
        assertEquals(0, servers().size(), "an orphan older than the picture is removed");
        assertFalse(Files.exists(a.instanceDirectory("inst-young").resolve("server.properties")));
    }

    private LocalCompute compute() {
        return new LocalCompute(new Config(work));
    }

    private List<ProcessHandle> servers() {
        String home = "-Ddms.compute.home=" + work.toAbsolutePath().normalize();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(args -> List.of(args).contains(home)).orElse(false)).toList();
    }

    private static ComputeRequest request(String instanceId) {
        return new ComputeRequest(instanceId, "mlflow.small", 1, 1, "jdbc:postgresql://127.0.0.1:1/none", "u", "p", "bucket",
                "path/" + instanceId, null, null);
    }

    /** Another process (another replica) holding the instance's lock until its standard input closes. */
    private Process holdLock(Path lockFile) throws Exception {
        Path src = work.resolve("HoldLock.java");
        Files.writeString(src, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class HoldLock {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                             var lock = c.lock()) {
                            System.out.println("locked");
                            System.out.flush();
                            System.in.read();
                        }
                    }
                }
                """);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), src.toString(),
                lockFile.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", out.readLine());
        return p;
    }

    /** The provider's settings for a test: the fake server, a short health timeout. */
    private record Config(Path work) implements LocalComputeConfig {
        @Override
        public String trackingServerJar() {
            return jar.toString();
        }

        @Override
        public Map<String, String> versions() {
            return Map.of();
        }

        @Override
        public String workDir() {
            return work.toString();
        }

        @Override
        public Optional<String> ossRoot() {
            return Optional.empty();
        }

        @Override
        public String host() {
            return "127.0.0.1";
        }

        @Override
        public Duration healthTimeout() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Duration livenessTimeout() {
            return Duration.ofSeconds(2);
        }

        @Override
        public List<String> passedEnvironment() {
            return List.of("PATH", "JAVA_HOME");
        }

        @Override
        public Optional<List<String>> jvmOptions() {
            return Optional.of(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        }

        @Override
        public boolean stopOnShutdown() {
            return false;
        }
    }
}

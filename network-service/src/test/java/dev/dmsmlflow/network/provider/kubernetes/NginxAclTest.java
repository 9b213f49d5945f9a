package dev.dmsmlflow.network.provider.kubernetes;

import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GENERATED configuration run by a real nginx on 127.0.0.1, as the pods run it: requests from 127.0.0.2 (in the ACL) reach
 * the backend with their Authorization header, requests from 127.0.0.3 (not in it) get 403 and never reach it; the probe path
 * answers whatever the source. nginx is the Debian binary (nginx 1.22, unpacked from the {@code nginx} package): found through
 * {@code DMS_TEST_NGINX}, {@code ~/.cache/dms-mlflow/tools/nginx-*}/nginx, {@code /usr/sbin/nginx} or {@code PATH}; without one
 * the test is skipped, saying so.
 */
class NginxAclTest {

    private final List<Process> started = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    static Optional<Path> nginx() throws IOException {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv("DMS_TEST_NGINX")).ifPresent(p -> candidates.add(Path.of(p)));
        Path tools = Path.of(System.getProperty("user.home"), ".cache", "dms-mlflow", "tools");
        if (Files.isDirectory(tools)) {
            try (var dirs = Files.list(tools)) {
                dirs.filter(d -> d.getFileName().toString().startsWith("nginx-")).sorted().forEach(d -> candidates.add(d.resolve("nginx")));
            }
        }
        candidates.add(Path.of("/usr/sbin/nginx"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "nginx"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    private int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Starts nginx on {@code conf} and waits until its probe path answers. */
    private void run(Path nginx, Path dir, String conf, int port) throws Exception {
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        Process check = new ProcessBuilder(nginx.toString(), "-e", "stderr", "-t", "-c", file.toString()).redirectErrorStream(true).start();
        String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), "nginx -t refused the generated configuration:\n" + checked + "\n" + conf);
        Process p = new ProcessBuilder(nginx.toString(), "-e", "stderr", "-c", file.toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.log").toFile()).start();
        started.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (RawHttp.get("127.0.0.1", "127.0.0.1", port, NginxConfig.HEALTH_PATH).status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                assertTrue(p.isAlive(), () -> "nginx exited: " + read(dir.resolve("nginx.log")));
            }
            assertTrue(System.nanoTime() < deadline, () -> "nginx did not answer: " + read(dir.resolve("nginx.log")));
            p.waitFor(50, TimeUnit.MILLISECONDS); // waits on the process, not a bare sleep: ends early if nginx dies
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void theGeneratedConfigAdmitsTheAclAndRefusesOtherSources() throws Exception {
        Optional<Path> nginx = nginx();
        Assumptions.assumeTrue(nginx.isPresent(), "no nginx binary here (DMS_TEST_NGINX, ~/.cache/dms-mlflow/tools/nginx-*/nginx, PATH)");
        EchoBackend backend = new EchoBackend();
        closing.add(backend);
        Path dir = Files.createTempDirectory("dms-nginx-");
        int port = freePort();
        NginxConfig.Settings s = new NginxConfig.Settings("127.0.0.1:" + port, dir.toString(), "1", "8m",
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        run(nginx.get(), dir, NginxConfig.render(s, List.of("127.0.0.2"), "127.0.0.1", backend.port()), port);

        RawHttp.Response admitted = RawHttp.request("127.0.0.2", "127.0.0.1", port, "GET",
                "/api/2.0/mlflow/experiments/search?max_results=1", null, Map.of("Authorization", "Bearer mlft_x_y"));
        assertEquals(200, admitted.status(), admitted.body());
        assertEquals("/api/2.0/mlflow/experiments/search", admitted.json().get("path").asText());
        assertEquals("Bearer mlft_x_y", admitted.json().get("authorization").asText(), "the tracking server checks the token itself");
        assertEquals("127.0.0.2", admitted.json().get("forwardedFor").asText());

        RawHttp.Response refused = RawHttp.get("127.0.0.3", "127.0.0.1", port, "/api/2.0/mlflow/experiments/search");
        assertEquals(403, refused.status());
        assertEquals(1, backend.received().size(), "a refused request never reaches the tracking server: " + backend.received());
        // the kubelet's probe is not subject to the ACL
        assertEquals(200, RawHttp.get("127.0.0.3", "127.0.0.1", port, NginxConfig.HEALTH_PATH).status());
    }

    @Test
    void anEmptyAclRefusesEveryoneAndNoBackendIsA503ForTheAdmitted() throws Exception {
        Optional<Path> nginx = nginx();
        Assumptions.assumeTrue(nginx.isPresent(), "no nginx binary here (DMS_TEST_NGINX, ~/.cache/dms-mlflow/tools/nginx-*/nginx, PATH)");
        Path dir = Files.createTempDirectory("dms-nginx-");
        int port = freePort();
        NginxConfig.Settings s = new NginxConfig.Settings("127.0.0.1:" + port, dir.toString(), "1", "8m",
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        run(nginx.get(), dir, NginxConfig.render(s, List.of(), null, null), port);
        assertEquals(403, RawHttp.get("127.0.0.2", "127.0.0.1", port, "/").status());
        assertEquals(403, RawHttp.get("127.0.0.1", "127.0.0.1", port, "/ajax-api/2.0/mlflow/runs/get").status());

        Path dir2 = Files.createTempDirectory("dms-nginx-");
        int port2 = freePort();
        NginxConfig.Settings s2 = new NginxConfig.Settings("127.0.0.1:" + port2, dir2.toString(), "1", "8m",
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        run(nginx.get(), dir2, NginxConfig.render(s2, List.of("127.0.0.0/30"), null, null), port2);
        assertEquals(503, RawHttp.get("127.0.0.2", "127.0.0.1", port2, "/").status());
        assertEquals(403, RawHttp.get("127.0.0.9", "127.0.0.1", port2, "/").status());
    }
}

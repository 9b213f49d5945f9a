package dev.dmsmlflow.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes API server (kube-apiserver of k8s.io/kubernetes v1.37.2) with its own etcd, both built from their Go
 * modules by {@code deploy/kube/build.sh} and run as child processes on free loopback ports, for the tests of the
 * Kubernetes providers: it validates every object against the API's schemas, keeps immutable fields immutable, serves the
 * status subresource and answers a stale write with a conflict. There is no controller-manager, scheduler or kubelet: the
 * tests' fake controllers write status through the status subresource.
 * <p>
 * Authentication: a static bearer token ({@link #token()}) of the user {@code admin} in {@code system:masters} (the token
 * file, owner only), anonymous requests refused. Authorization: RBAC (the super user's group passes every check).
 * TLS: the server makes its serving certificate and CA in its certificate directory at start; {@link #caCertificateFile()}
 * is what clients trust. The service-account key pair is generated here. Both processes end with the JVM, a SIGKILL
 * included: each exits when its standard input, a pipe this JVM holds, reaches its end.
 */
public final class LocalKubernetes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKubernetes.class);
    /** The API server's super user (group {@code system:masters}). */
    public static final String ADMIN = "admin";
    /** The release the binaries are built from (deploy/kube/go.mod). */
    public static final String VERSION = "v1.37.2";

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final OncePerJvm<LocalKubernetes> SHARED = new OncePerJvm<>("Kubernetes API server", () -> {
        Path dir = Files.createTempDirectory("dms-kube-");
        LocalKubernetes kube = new LocalKubernetes(dir, binaries());
        Runtime.getRuntime().addShutdownHook(TempDirs.afterStopping(kube::close, dir, "dms-kube-stop"));
        kube.start();
        return kube;
    });

    private final Path dir;
    private final Path bin;
    private final String token = LocalSecrets.inMemory().password("kube-admin");
    private final int etcdPort = LocalKafka.freePort();
    private final int etcdPeerPort = LocalKafka.freePort();
    private final int port = LocalKafka.freePort();
    private final List<Process> processes = new ArrayList<>();
    private HttpClient http;

    private LocalKubernetes(Path dir, Path bin) {
        this.dir = dir;
        this.bin = bin;
    }

    /** The API server of this JVM: started on first use (built first if this machine has no binaries yet). */
    public static LocalKubernetes shared() {
        return SHARED.get();
    }

    /** The API server's URL, {@code https://127.0.0.1:<port>}. */
    public String url() {
        return "https://127.0.0.1:" + port;
    }

    /** The bearer token of {@link #ADMIN}. */
    public String token() {
        return token;
    }

    /** The PEM file clients trust: the serving certificate and the CA that signed it, both made by the API server. */
    public Path caCertificateFile() {
        return dir.resolve("certs").resolve("apiserver.crt");
    }

    /** The API server's static token file (owner only). */
    Path tokenFile() {
        return dir.resolve("tokens.csv");
    }

    /** The API server's log. */
    public Path logFile() {
        return dir.resolve("kube-apiserver.log");
    }

    /**
     * The {@code quarkus.kubernetes-client.*} settings that point a service's fabric8 client at this server as {@link #ADMIN},
     * in {@code namespace}.
     */
    public Map<String, String> quarkusConfig(String namespace) {
        Map<String, String> c = new TreeMap<>();
        c.put("quarkus.kubernetes-client.api-server-url", url());
        c.put("quarkus.kubernetes-client.token", token);
        c.put("quarkus.kubernetes-client.ca-cert-file", caCertificateFile().toString());
        c.put("quarkus.kubernetes-client.trust-certs", "false");
        c.put("quarkus.kubernetes-client.namespace", namespace);
        c.put("quarkus.kubernetes-client.devservices.enabled", "false");
        return c;
    }

    /**
     * Makes {@code namespace} with {@code labels} (when it does not exist) and its {@code default} service account, which the
     * controller-manager would make and without which the API server admits no Pod there.
     */
    public void ensureNamespace(String namespace, Map<String, String> labels) {
        StringBuilder l = new StringBuilder();
        labels.forEach((k, v) -> l.append(l.length() == 0 ? "" : ",").append(json(k)).append(':').append(json(v)));
        create("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":" + json(namespace)
                + ",\"labels\":{" + l + "}}}");
        create("/api/v1/namespaces/" + namespace + "/serviceaccounts",
                "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"default\"}}");
    }

    private void create(String path, String body) {
        HttpResponse<String> r = request("POST", path, body);
        if (r.statusCode() != 201 && r.statusCode() != 409) {
            throw new IllegalStateException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** A request to the API server as {@link #ADMIN} ({@code body} JSON, or null). */
    public HttpResponse<String> request(String method, String path, String body) {
        return send(token, method, path, body);
    }

    /** A request with no body and {@code bearer} as the token (none when null): what the server answers a stranger. */
    HttpResponse<String> requestAs(String bearer, String method, String path) {
        return send(bearer, method, path, null);
    }

    private HttpResponse<String> send(String bearer, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String json(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private synchronized void start() throws IOException {
        long started = System.nanoTime();
        Files.createDirectories(dir.resolve("certs"));
        Path tokens = ownerOnly(tokenFile(), token + "," + ADMIN + "," + ADMIN + ",\"system:masters\"\n");
        KeyPair serviceAccount = serviceAccountKeys();
        Path publicKey = ownerOnly(dir.resolve("service-account.pub"), pem("PUBLIC KEY", serviceAccount.getPublic().getEncoded()));
        Path privateKey = ownerOnly(dir.resolve("service-account.key"), pem("PRIVATE KEY", serviceAccount.getPrivate().getEncoded()));
        String etcdUrl = "http://127.0.0.1:" + etcdPort;
        String peerUrl = "http://127.0.0.1:" + etcdPeerPort;
        launch(dir.resolve("etcd.log"), bin.resolve("etcd").toString(),
                "--name=dms", "--data-dir=" + dir.resolve("etcd"),
                "--listen-client-urls=" + etcdUrl, "--advertise-client-urls=" + etcdUrl,
                "--listen-peer-urls=" + peerUrl, "--initial-advertise-peer-urls=" + peerUrl, "--initial-cluster=dms=" + peerUrl,
                // throw-away data: no fsync, as the tests' PostgreSQL
                "--unsafe-no-fsync=true", "--log-level=warn");
        launch(logFile(), bin.resolve("kube-apiserver").toString(),
                "--etcd-servers=" + etcdUrl,
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + port,
                "--cert-dir=" + dir.resolve("certs"),
                "--token-auth-file=" + tokens, "--anonymous-auth=false",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + publicKey, "--service-account-signing-key-file=" + privateKey,
                "--service-cluster-ip-range=10.96.0.0/16",
                // the "kubernetes" Service's endpoints would name the advertised address, which may not be a loopback one
                "--endpoint-reconciler-type=none",
                // one client, the tests: no fairness queues to keep
                "--enable-priority-and-fairness=false", "--profiling=false");
        awaitReady();
        LOG.info("Kubernetes API server {} at {} ready in {} ms (etcd on 127.0.0.1:{}, data in {})", VERSION, url(),
                (System.nanoTime() - started) / 1_000_000, etcdPort, dir);
    }

    private void launch(Path log, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("DMS_EXIT_WITH_STDIN", "1");
        // standard input stays a pipe this JVM holds open: its end tells the process that the JVM is gone
        processes.add(pb.start());
    }

    /** Waits until {@code /readyz} answers 200 (etcd reached, the bootstrap RBAC roles and priority classes made). */
    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "nothing yet";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    close();
                    throw new IllegalStateException(p.info().command().orElse("a process") + " exited with " + p.exitValue()
                            + ":\n" + tail(dir.resolve("etcd.log")) + "\n" + tail(logFile()));
                }
            }
            if (Files.exists(caCertificateFile())) {
                try {
                    HttpResponse<String> r = request("GET", "/readyz", null);
                    if (r.statusCode() == 200) {
                        return;
                    }
                    last = r.statusCode() + " " + r.body();
                } catch (RuntimeException e) {
                    last = e.toString();
                    http = null; // the certificate file may have been read while it was written
                }
            }
            try {
                processes.get(1).waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Kubernetes API server", e);
            }
        }
        close();
        throw new IllegalStateException("the Kubernetes API server was not ready after " + START_TIMEOUT + " (last: " + last
                + "):\n" + tail(logFile()));
    }

    private synchronized HttpClient http() {
        if (http == null) {
            try (InputStream in = Files.newInputStream(caCertificateFile())) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("kube-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, tmf.getTrustManagers(), null);
                // HTTP/1.1: the server ends an HTTP/2 connection (GOAWAY) after refusing a request's credentials
                http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                        .connectTimeout(Duration.ofSeconds(5)).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the API server's certificate " + caCertificateFile() + " cannot be trusted", e);
            }
        }
        return http;
    }

    /** Stops the API server, then etcd (SIGTERM, SIGKILL after 10 s). */
    @Override
    public synchronized void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Processes.stop(processes.get(i), 10);
        }
        processes.clear();
    }

    /** The pid of etcd ({@code 0}) or the API server ({@code 1}) while they run. */
    Optional<ProcessHandle> process(int which) {
        return which < processes.size() ? Optional.of(processes.get(which).toHandle()) : Optional.empty();
    }

    /**
     * The directory with {@code kube-apiserver} and {@code etcd}: {@code DMS_KUBE_BIN} when set, else what
     * {@code deploy/kube/build.sh} answers (it builds them the first time, then finds them in its cache).
     */
    static Path binaries() throws IOException {
        String preset = System.getenv("DMS_KUBE_BIN");
        if (preset != null && !preset.isBlank()) {
            return Path.of(preset);
        }
        Path script = buildScript().orElseThrow(() -> new IllegalStateException(
                "deploy/kube/build.sh not found above " + Path.of("").toAbsolutePath() + " and DMS_KUBE_BIN is not set"));
        Process build = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        build.getOutputStream().close();
        String out;
        try (InputStream in = build.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        try {
            if (!build.waitFor(BUILD_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                build.destroyForcibly();
                throw new IllegalStateException(script + " did not finish within " + BUILD_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the Kubernetes API server", e);
        }
        if (build.exitValue() != 0 || out.isEmpty()) {
            throw new IllegalStateException(script + " failed with " + build.exitValue() + " (its output is above)");
        }
        String[] lines = out.split("\n");
        return Path.of(lines[lines.length - 1].strip());
    }

    private static Optional<Path> buildScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path script = d.resolve("deploy").resolve("kube").resolve("build.sh");
            if (Files.isRegularFile(script)) {
                return Optional.of(script);
            }
        }
        return Optional.empty();
    }

    private static KeyPair serviceAccountKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Path ownerOnly(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}

package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JVM's Kubernetes API server: a real one (version, TLS, authentication, validation, status) that ends with its JVM. */
class LocalKubernetesIT {

    @Test
    void aRealApiServerOfTheBuiltReleaseBehindTlsAndAToken() throws Exception {
        LocalKubernetes kube = LocalKubernetes.shared();
        assertTrue(kube.url().startsWith("https://127.0.0.1:"), kube.url());
        HttpResponse<String> version = kube.request("GET", "/version", null);
        assertEquals(200, version.statusCode(), version.body());
        assertTrue(version.body().contains("\"gitVersion\": \"" + LocalKubernetes.VERSION + "\""), version.body());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kube.tokenFile())),
                "the token file is its owner's only");

        // the serving certificate is not one the JDK trusts, and a request without the token is refused
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest anonymous = HttpRequest.newBuilder(URI.create(kube.url() + "/api/v1/namespaces")).build();
        try {
            plain.send(anonymous, HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("the JDK's trust store accepted the API server's own certificate");
        } catch (javax.net.ssl.SSLHandshakeException expected) {
            // its certificate is trusted through caCertificateFile() only
        }
        assertTrue(Files.readString(kube.caCertificateFile()).contains("BEGIN CERTIFICATE"));
    }

    @Test
    void anonymousAndUnknownTokensAreRefused() throws Exception {
        LocalKubernetes kube = LocalKubernetes.shared();
        HttpResponse<String> admin = kube.request("GET", "/api/v1/namespaces", null);
        assertEquals(200, admin.statusCode());
        // the same TLS trust, other credentials: through the API server's own answer to a wrong token
        HttpResponse<String> wrong = kube.requestAs("not-" + kube.token(), "GET", "/api/v1/namespaces");
        assertEquals(401, wrong.statusCode(), wrong.body());
        HttpResponse<String> none = kube.requestAs(null, "GET", "/api/v1/namespaces");
        assertEquals(401, none.statusCode(), none.body());
    }

    @Test
    void objectsAreValidatedAgainstTheApiSchemaAndStatusIsASubresource() {
        LocalKubernetes kube = LocalKubernetes.shared();
        String ns = "infra-" + UUID.randomUUID().toString().substring(0, 8);
        kube.ensureNamespace(ns, Map.of("team", "infra"));
        HttpResponse<String> sa = kube.request("GET", "/api/v1/namespaces/" + ns + "/serviceaccounts/default", null);
        assertEquals(200, sa.statusCode(), "the namespace's default service account is made with it: " + sa.body());

        // a Service name must be a DNS-1035 label: the mock server took anything
        HttpResponse<String> bad = kube.request("POST", "/api/v1/namespaces/" + ns + "/services",
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"Not_A_Name\"},"
                        + "\"spec\":{\"ports\":[{\"port\":80}]}}");
        assertEquals(422, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("metadata.name"), bad.body());

        // an object in a namespace that does not exist is refused
        HttpResponse<String> nowhere = kube.request("POST", "/api/v1/namespaces/no-such-" + ns + "/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
        assertEquals(404, nowhere.statusCode(), nowhere.body());

        // a ConfigMap's data is stored and read back; a stale resourceVersion is a conflict
        HttpResponse<String> made = kube.request("POST", "/api/v1/namespaces/" + ns + "/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}");
        assertEquals(201, made.statusCode(), made.body());
        HttpResponse<String> stale = kube.request("PUT", "/api/v1/namespaces/" + ns + "/configmaps/c",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"1\"},"
                        + "\"data\":{\"k\":\"w\"}}");
        assertEquals(409, stale.statusCode(), stale.body());
        String stored = kube.request("GET", "/api/v1/namespaces/" + ns + "/configmaps/c", null).body();
        assertTrue(stored.matches("(?s).*\"data\":\\s*\\{\\s*\"k\":\\s*\"v\".*"), stored);
    }

    @Test
    void itsServersEndWhenTheirStandardInputDoes() throws Exception {
        // what makes both processes die with the JVM, even one killed with SIGKILL: the kernel closes the JVM's end of the
        // pipe; closing it here shows the server's side of it, on etcd, which starts in a moment
        Path bin = LocalKubernetes.binaries();
        Path dir = TempDirs.forThisJvm("dms-etcd-stdin-");
        int client = LocalKafka.freePort();
        int peer = LocalKafka.freePort();
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("etcd").toString(), "--data-dir=" + dir.resolve("data"),
                "--listen-client-urls=http://127.0.0.1:" + client, "--advertise-client-urls=http://127.0.0.1:" + client,
                "--listen-peer-urls=http://127.0.0.1:" + peer, "--initial-advertise-peer-urls=http://127.0.0.1:" + peer,
                "--initial-cluster=default=http://127.0.0.1:" + peer, "--log-level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile());
        pb.environment().put("DMS_EXIT_WITH_STDIN", "1");
        Process etcd = pb.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + client + "/health"))
                    .timeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean serving = false;
            while (!serving && etcd.isAlive() && System.nanoTime() < deadline) {
                try {
                    serving = http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (java.io.IOException notYet) {
                    etcd.waitFor(50, TimeUnit.MILLISECONDS);
                }
            }
            assertTrue(serving, "etcd serves while its standard input is open: " + Files.readString(dir.resolve("etcd.log")));
            etcd.getOutputStream().close();
            assertTrue(etcd.waitFor(30, TimeUnit.SECONDS), "etcd ended when its standard input did");
        } finally {
            etcd.destroyForcibly();
        }
    }
}

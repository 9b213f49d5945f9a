package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.infra.ServiceKeys;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The secrets scan of issue 8: one instance created, used through its load balancer and released on the packaged
 * services; afterwards every log, every API answer seen, every event on Kafka and the tracking server's process
 * environment are searched for the database, Kafka, token and key secrets the run created. None appears (a tracking server
 * sees exactly its own database password, nothing else). Runs in its own JVM (failsafe {@code reuseForks=false}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsScanIT {

    static final Duration SAGA = Duration.ofSeconds(120);
    static final String WORKSPACE = "ws-scan-" + UUID.randomUUID().toString().substring(0, 8);
    static final Api.Client EDITOR = Api.as("mem_scan", WORKSPACE, "editor");
    /** What a tracking server's environment may hold: the basics a JVM needs and its own database login. */
    static final Set<String> TRACKING_ENVIRONMENT = Set.of("PATH", "JAVA_HOME", "LANG", "LC_ALL", "TZ", "TMPDIR",
            "DMS_TRACKING_DB_URL", "DMS_TRACKING_DB_USER", "DMS_TRACKING_DB_PASSWORD", "DMS_BACKEND_AUTH_DIGEST");

    Stack stack;

    @BeforeAll
    void startServices() {
        stack = Stack.start(Path.of(System.getProperty("dms.e2e.dir", "target/e2e"), "secrets-scan-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterAll
    void stopServices() {
        if (stack != null) {
            stack.close();
        }
    }

    /** The instance's backend secret, opened from network-service's database with its master key (AES-256-GCM). */
    private String backendSecret(String instanceId) throws Exception {
        String sealed;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(stack.pg.jdbcUrl("network_service"), stack.pg.username(),
                stack.pg.password()); java.sql.PreparedStatement ps = c.prepareStatement("SELECT sealed FROM backend_secret WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "a backend secret for " + instanceId);
                sealed = rs.getString(1);
            }
        }
        byte[] key = java.util.Base64.getUrlDecoder().decode(Files.readString(stack.dir.resolve("secrets").resolve("network-master-key")).trim());
        byte[] all = java.util.Base64.getUrlDecoder().decode(sealed.split("\\.")[2]);
        javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, all, 0, 12));
        cipher.updateAAD(("dms-sealed-secret:backend-secret:" + instanceId).getBytes(StandardCharsets.UTF_8));
        String secret = new String(cipher.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8);
        assertEquals(32, java.util.Base64.getUrlDecoder().decode(secret).length, "a random 256-bit secret");
        return secret;
    }

    @Test
    void noSecretTheRunCreatedAppearsInLogsAnswersEventsOrATrackingServersEnvironment() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>(InstanceLifecycleIT.body("scan-" + UUID.randomUUID().toString().substring(0, 6)));
        body.put("workspaceId", WORKSPACE);
        Api.Resp created = EDITOR.post(stack.instanceUrl + "/instances", body);
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        Api.await(() -> "RUNNING".equals(instance(id).path("status").asText()), SAGA, "RUNNING", () -> instance(id));
        String trackingUri = instance(id).path("trackingUri").asText();
        Api.Resp acl = EDITOR.post(stack.networkUrl + "/networks/" + id + "/acl/entries", Map.of("cidr", "127.0.0.1", "description", "scan"));
        assertEquals(200, acl.status(), acl.toString());
        Api.await(() -> Api.get(trackingUri + "/health").status() == 200, Duration.ofSeconds(10), "the ACL entry", () -> Api.get(trackingUri + "/health"));
        Api.Resp experiment = Api.post(trackingUri + "/api/2.0/mlflow/experiments/create", Map.of("name", "scan-experiment"));
        assertEquals(200, experiment.status(), experiment.toString());
        // an MLflow access token (shown once: its creation answer is the one place it may appear) and the load balancer's
        // backend secret (it never leaves network-service except toward the tracking server, on loopback)
        Api.Resp token = EDITOR.post(stack.networkUrl + "/networks/" + id + "/tokens", Map.of("name", "scan", "scope", "read"));
        assertEquals(201, token.status(), token.toString());
        String mlflowToken = token.text("token");
        String backendSecret = backendSecret(id);
        EDITOR.get(stack.instanceUrl + "/instances");
        EDITOR.get(stack.networkUrl + "/networks/" + id);
        EDITOR.get(stack.instanceUrl + "/instances/" + id + "/vpc-address");

        // the tracking server's environment: its own login and the basics, none of the stack's secrets
        ProcessHandle server = trackingServer(id);
        Map<String, String> environment = environment(server.pid());
        assertTrue(TRACKING_ENVIRONMENT.containsAll(environment.keySet()), "tracking server environment: " + environment.keySet());
        String trackingPassword = environment.get("DMS_TRACKING_DB_PASSWORD");
        assertEquals(32, java.util.Base64.getUrlDecoder().decode(trackingPassword).length, "a random 256-bit password");

        EDITOR.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of());
        Api.await(() -> "RELEASED".equals(instance(id).path("status").asText()), SAGA, "RELEASED", () -> instance(id));

        Map<String, String> secrets = new TreeMap<>(stack.secrets());
        assertTrue(secrets.containsKey("instance-service master key"), secrets.keySet().toString());
        String signingKey = Files.readString(ServiceKeys.forTests().signingKeyFile()).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        // a slice of the private part (the start of a PKCS#8 key is a fixed header and the public modulus)
        secrets.put("gateway signing key", signingKey.substring(signingKey.length() - 400, signingKey.length() - 336));
        secrets.put("tracking database password of " + id, trackingPassword);
        secrets.put("MLflow access token", mlflowToken);
        secrets.put("backend secret of " + id, backendSecret);
        List<String> tokens = Api.tokensMinted();
        for (int k = 0; k < tokens.size(); k++) {
            // a token's signature is its secret part
            secrets.put("service token " + k, tokens.get(k).substring(tokens.get(k).lastIndexOf('.') + 1));
        }

        for (Map.Entry<String, String> e : environment.entrySet()) {
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                if (!secret.getValue().equals(trackingPassword)) {
                    assertFalse(e.getValue().contains(secret.getValue()), secret.getKey() + " in the tracking server's " + e.getKey());
                }
            }
        }

        Map<String, String> sources = new LinkedHashMap<>();
        for (Path log : logs()) {
            sources.put("log " + stack.root.relativize(log), Files.readString(log, StandardCharsets.ISO_8859_1));
        }
        sources.put("broker log", Files.readString(stack.kafka.logFile(), StandardCharsets.ISO_8859_1));
        List<String> answers = Api.responsesSeen();
        for (int k = 0; k < answers.size(); k++) {
            if (!answers.get(k).endsWith("\n" + token.body())) { // the token's creation shows it, once, by design
                sources.put("API answer " + k, answers.get(k));
            }
        }
        List<String> events = events();
        assertTrue(events.size() >= 8, "the run's events were read: " + events.size());
        for (int k = 0; k < events.size(); k++) {
            sources.put("event " + k, events.get(k));
        }
        assertTrue(sources.keySet().stream().anyMatch(s -> s.contains("tracking-server.log")), "the tracking server's log is scanned: " + sources.keySet());

        List<String> leaks = new ArrayList<>();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                if (source.getValue().contains(secret.getValue())) {
                    leaks.add(secret.getKey() + " in " + source.getKey());
                }
            }
        }
        assertEquals(List.of(), leaks, "secrets found (scanned " + sources.size() + " sources for " + secrets.size() + " secrets)");
        System.out.printf("secrets scan: %d secrets, %d logs, %d API answers, %d events, 1 tracking server environment: nothing found%n",
                secrets.size(), sources.keySet().stream().filter(s -> s.startsWith("log ")).count(), answers.size(), events.size());
    }

    private JsonNode instance(String id) {
        Api.Resp r = EDITOR.get(stack.instanceUrl + "/instances/" + id);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    private static ProcessHandle trackingServer(String id) {
        String marker = "-Ddms.instance.id=" + id;
        List<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(h -> h.isAlive() && h.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false)).toList();
        assertEquals(1, found.size(), "tracking servers of " + id);
        return found.get(0);
    }

    /** The environment of a process as {@code ps eww} shows it ({@code /proc/<pid>/environ}). */
    private static Map<String, String> environment(long pid) throws IOException {
        Map<String, String> env = new TreeMap<>();
        String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        for (String entry : raw.split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    /** Every file the run wrote except the secrets directory (where the master key lives by design). */
    private List<Path> logs() throws IOException {
        Path secretsDir = stack.dir.resolve("secrets");
        try (Stream<Path> files = Files.walk(stack.dir)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.startsWith(secretsDir)).toList();
        }
    }

    /** Every record of every contract topic (key, headers, payload), read from the beginning as the super user. */
    private List<String> events() {
        Map<String, Object> config = stack.kafka.adminProperties();
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : TopicAccess.topics()) {
                c.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    StringBuilder b = new StringBuilder(r.topic()).append(' ').append(r.key());
                    for (Header h : r.headers()) {
                        b.append(' ').append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8));
                    }
                    out.add(b.append(' ').append(r.value()).toString());
                }
            }
        }
        return out;
    }
}

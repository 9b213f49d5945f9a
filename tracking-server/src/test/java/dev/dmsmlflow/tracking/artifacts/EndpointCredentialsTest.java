package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OSS store on temporary credentials from a credentials endpoint, against the signature-checking OSS stand-in that
 * accepts them only with their token and only until they expire: cached, renewed before expiry, an expired one replaced
 * without a restart, a failing endpoint survived while the current ones are valid, and never the secret in a string.
 */
class EndpointCredentialsTest {

    static final String SECRET = "per-container-secret-0123456789abcdef";
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-29T12:00:00Z"));
    FakeOss oss;
    FakeCredentialsEndpoint endpoint;

    /** A clock the test moves (credentials' expiry); requests are still signed and checked with the real time. */
    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @BeforeEach
    void start() throws IOException {
        oss = new FakeOss("sts-bucket", "cn-hangzhou", null, null); // no long-lived key at all: temporary ones only
        oss.clock = now::get;
        endpoint = new FakeCredentialsEndpoint(oss, SECRET, now::get);
    }

    @AfterEach
    void stop() {
        endpoint.close();
        oss.close();
    }

    private OssArtifactStore store(String secret) {
        EndpointCredentialsProvider provider = new EndpointCredentialsProvider(URI.create(endpoint.url()), secret, Duration.ofMinutes(5), clock);
        assertFalse(provider.toString().contains(secret));
        return new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-hangzhou", provider), "sts-bucket", "ws-1/models");
    }

    private static void put(OssArtifactStore s, String path, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.put(path, new ByteArrayInputStream(b), b.length);
    }

    private static String read(OssArtifactStore s, String path) throws IOException {
        try (InputStream in = s.get(path).orElseThrow()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Test
    void credentialsAreCachedRenewedBeforeExpiryAndAnExpiredOneIsReplaced() throws IOException {
        OssArtifactStore store = store(SECRET);
        put(store, "a.txt", "alpha");
        assertEquals("alpha", read(store, "a.txt"));
        assertEquals(1, endpoint.issued.get());
        put(store, "b.txt", "beta");
        assertEquals(1, endpoint.issued.get(), "cached while far from expiry");

        // the stand-in refuses a temporary key without its token, and once it has expired
        OssArtifactStore tokenless = new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-hangzhou",
                new DefaultCredentialProvider("STS.key-1", "sts-secret-1")), "sts-bucket", "ws-1/models");
        assertThrows(IOException.class, () -> read(tokenless, "a.txt"));
        assertTrue(oss.lastRejection.contains("security token"), oss.lastRejection);
        tokenless.shutdown();

        advance(Duration.ofMinutes(11)); // 4 minutes left: within the 5-minute margin
        put(store, "c.txt", "gamma");
        assertEquals(2, endpoint.issued.get(), "renewed before it expired");
        assertEquals("STS.key-2", endpoint.lastKeyId);

        advance(Duration.ofMinutes(20)); // both key pairs have expired
        OssArtifactStore stale = new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-hangzhou",
                new com.aliyun.oss.common.auth.DefaultCredentialProvider(new com.aliyun.oss.common.auth.DefaultCredentials(
                        "STS.key-2", "sts-secret-2", "sts-token-2"))), "sts-bucket", "ws-1/models");
        assertThrows(IOException.class, () -> read(stale, "a.txt"));
        assertTrue(oss.lastRejection.startsWith("SecurityTokenExpired"), oss.lastRejection);
        stale.shutdown();
        int rejected = oss.rejected.get();
        assertEquals("gamma", read(store, "c.txt"), "the same store, without a restart");
        assertEquals(3, endpoint.issued.get());
        assertEquals(rejected, oss.rejected.get(), "no request went out with the expired credentials");
        store.shutdown();
    }

    @Test
    void aFailingEndpointIsSurvivedWhileTheCredentialsAreValidAndNeverAfter() throws IOException {
        OssArtifactStore store = store(SECRET);
        put(store, "a.txt", "alpha");
        endpoint.down = true;
        advance(Duration.ofMinutes(12)); // renewal due, endpoint down: the current ones still hold for 3 minutes
        assertEquals("alpha", read(store, "a.txt"));
        advance(Duration.ofMinutes(4)); // expired, endpoint still down
        IOException e = assertThrows(IOException.class, () -> read(store, "a.txt"));
        assertTrue(e.getMessage().contains("no valid OSS credentials"), e.getMessage());
        endpoint.down = false;
        assertEquals("alpha", read(store, "a.txt"), "back as soon as the endpoint answers");
        store.shutdown();
    }

    @Test
    void aWrongSecretGetsNothing() {
        OssArtifactStore store = store("not-the-secret");
        assertThrows(IOException.class, () -> put(store, "x.txt", "x"));
        assertEquals(0, endpoint.issued.get());
        assertTrue(endpoint.refused.get() > 0);
        assertEquals(0, oss.objectCount());
        assertThrows(IllegalArgumentException.class,
                () -> new EndpointCredentialsProvider(URI.create(endpoint.url()), "", Duration.ofMinutes(5), clock));
        store.shutdown();
    }
}

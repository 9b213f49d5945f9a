package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OSS store directly against the signature-checking stand-in, including what it must refuse. */
class OssArtifactStoreTest {
    static FakeOss oss;
    static OssArtifactStore store;

    @BeforeAll
    static void start() throws IOException {
        oss = new FakeOss("unit-bucket", "cn-shanghai", "AK-unit", "SK-unit");
        store = new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-shanghai",
                new DefaultCredentialProvider("AK-unit", "SK-unit")), "unit-bucket", "/root/prefix/");
    }

    @AfterAll
    static void stop() {
        store.shutdown();
        oss.close();
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

    @Test
    void putGetStatListDelete() throws IOException {
        int rejected = oss.rejected.get();
        put(store, "run/a.txt", "alpha");
        put(store, "run/d/b.txt", "beta");
        put(store, "run/d/e/c.txt", "gamma");
        put(store, "run/with space & plus+/q=1.txt", "odd");
        assertEquals("alpha", read(store, "run/a.txt"));
        assertEquals(5, store.stat("run/a.txt").orElseThrow().size());
        assertTrue(store.stat("run/d").orElseThrow().dir());
        assertTrue(store.stat("run/missing").isEmpty());
        assertTrue(store.get("run/missing").isEmpty());
        assertEquals(List.of(ArtifactStore.Entry.file("a.txt", 5), ArtifactStore.Entry.directory("d"),
                ArtifactStore.Entry.directory("with space & plus+")), store.list("run"));
        assertEquals(List.of(ArtifactStore.Entry.file("q=1.txt", 3)), store.list("run/with space & plus+"));
        assertTrue(oss.keys().contains("root/prefix/run/d/e/c.txt"), oss.keys().toString());
        store.delete("run/d");
        assertEquals(List.of(ArtifactStore.Entry.file("a.txt", 5), ArtifactStore.Entry.directory("with space & plus+")), store.list("run"));
        assertEquals(rejected, oss.rejected.get(), oss.lastRejection);
    }

    @Test
    void listingPagesThroughManyKeys() throws IOException {
        int rejected = oss.rejected.get();
        for (int i = 0; i < 1205; i++) {
            put(store, "many/f" + String.format("%05d", i), "x");
        }
        put(store, "many/sub/inner", "y");
        List<ArtifactStore.Entry> entries = store.list("many");
        assertEquals(1206, entries.size());
        assertEquals(ArtifactStore.Entry.directory("sub"), entries.get(1205));
        store.delete("many");
        assertTrue(store.list("many").isEmpty());
        assertEquals(rejected, oss.rejected.get(), oss.lastRejection);
    }

    @Test
    void wrongSecretIsRejectedBySignatureCheck() {
        OssArtifactStore bad = new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-shanghai",
                new DefaultCredentialProvider("AK-unit", "not-the-secret")), "unit-bucket", "p");
        int rejectedBefore = oss.rejected.get();
        IOException e = assertThrows(IOException.class, () -> put(bad, "x.txt", "x"));
        assertTrue(e.getMessage().contains("SignatureDoesNotMatch"), e.getMessage());
        assertTrue(oss.rejected.get() > rejectedBefore);
        assertFalse(oss.keys().contains("p/x.txt"));
        bad.shutdown();
    }

    @Test
    void wrongRegionAndUnknownKeyAreRejected() {
        OssArtifactStore region = new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-beijing",
                new DefaultCredentialProvider("AK-unit", "SK-unit")), "unit-bucket", "p");
        assertThrows(IOException.class, () -> region.list(""));
        region.shutdown();
        OssArtifactStore key = new OssArtifactStore(OssArtifactStore.newClient(oss.endpoint(), "cn-shanghai",
                new DefaultCredentialProvider("AK-other", "SK-unit")), "unit-bucket", "p");
        IOException e = assertThrows(IOException.class, () -> key.stat("x"));
        assertTrue(e.getMessage().contains("InvalidAccessKeyId"), e.getMessage());
        key.shutdown();
    }

    @Test
    void unsignedRequestsAreRefusedInOssFormat() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(oss.endpoint() + "/unit-bucket/root/prefix/run/a.txt")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("<Code>AccessDenied</Code>"), r.body());
        assertTrue(r.headers().firstValue("x-oss-request-id").isPresent());
    }

    @Test
    void customEndpointsArePathStyle() {
        assertTrue(OssArtifactStore.isCustomEndpoint("http://127.0.0.1:9000"));
        assertTrue(OssArtifactStore.isCustomEndpoint("minio.internal:9000"));
        assertFalse(OssArtifactStore.isCustomEndpoint("https://oss-cn-hangzhou.aliyuncs.com"));
        assertFalse(OssArtifactStore.isCustomEndpoint("oss-cn-hangzhou-internal.aliyuncs.com"));
    }
}

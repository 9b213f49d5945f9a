package dev.dmsmlflow.tracking.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The artifact proxy's behaviour, run against each store (filesystem and OSS) by the subclasses.
 */
abstract class ArtifactProxyContract {
    static final String A = "/api/2.0/mlflow-artifacts/artifacts";

    @TestHTTPResource("/")
    URL root;
    Raw raw;
    String dir;

    @BeforeEach
    void setUp() {
        raw = new Raw(root.toString());
        dir = "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> names(JsonNode listing) {
        List<String> out = new ArrayList<>();
        if (listing.has("files")) {
            listing.get("files").forEach(f -> out.add(f.get("path").asText()));
        }
        return out;
    }

    @Test
    void textUploadDownloadRoundTrip() {
        Raw.Resp put = raw.put(A + "/" + dir + "/hello.txt", utf8("hello artifacts"), "text/plain");
        assertEquals(200, put.status(), put.toString());
        assertEquals("{}", put.text());
        Raw.Resp get = raw.get(A + "/" + dir + "/hello.txt");
        assertEquals(200, get.status(), get.toString());
        assertEquals("hello artifacts", get.text());
        assertTrue(get.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(get.headers().firstValue("Content-Disposition").orElse("").contains("hello.txt"));
    }

    @Test
    void anyContentTypeAndOverwrite() {
        String p = A + "/" + dir + "/data.bin";
        assertEquals(200, raw.put(p, utf8("first"), "application/json").status());
        assertEquals(200, raw.put(p, utf8("second, longer"), "image/png").status());
        assertEquals(200, raw.put(A + "/" + dir + "/none.bin", utf8("x"), null).status());
        assertEquals("second, longer", raw.get(p).text());
    }

    @Test
    void binaryRoundTripKeepsEveryByte() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        for (int i = 0; i < 256; i++) {
            data[i] = (byte) i;
        }
        String p = A + "/" + dir + "/model.pkl";
        assertEquals(200, raw.put(p, data, "application/octet-stream").status());
        Raw.Resp get = raw.get(p);
        assertEquals(200, get.status());
        assertArrayEquals(data, get.body());
        assertEquals("application/octet-stream", get.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Long.toString(data.length), get.headers().firstValue("Content-Length").orElse(""));
    }

    @Test
    void emptyFile() {
        String p = A + "/" + dir + "/empty";
        assertEquals(200, raw.put(p, new byte[0], "application/octet-stream").status());
        Raw.Resp get = raw.get(p);
        assertEquals(200, get.status());
        assertEquals(0, get.body().length);
        JsonNode l = raw.get(A + "?path=" + dir).json();
        assertEquals(0, l.at("/files/0/file_size").asLong());
    }

    @Test
    void fiftyMegabytesStreamedBothWays() throws Exception {
        long size = 50L * 1024 * 1024;
        Supplier<java.io.InputStream> gen = Raw.generated(size, 42);
        String p = A + "/" + dir + "/big/weights.bin";
        Raw.Resp put = raw.send("PUT", p,
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(gen), size),
                "application/octet-stream");
        assertEquals(200, put.status(), put.toString());
        String[] got = raw.getDigest(p);
        assertEquals("200", got[0]);
        assertEquals(Long.toString(size), got[2]);
        assertEquals(Raw.sha256(gen), got[1]);
        JsonNode l = raw.get(A + "?path=" + dir + "/big").json();
        assertEquals(size, l.at("/files/0/file_size").asLong());
    }

    @Test
    void chunkedUploadWithoutContentLength() throws Exception {
        long size = 5L * 1024 * 1024 + 3;
        Supplier<java.io.InputStream> gen = Raw.generated(size, 9);
        String p = A + "/" + dir + "/chunked.bin";
        Raw.Resp put = raw.send("PUT", p, HttpRequest.BodyPublishers.ofInputStream(gen), "application/octet-stream");
        assertEquals(200, put.status(), put.toString());
        String[] got = raw.getDigest(p);
        assertEquals(Raw.sha256(gen), got[1]);
    }

    @Test
    void nestedDirectoriesListWithBaseNames() {
        assertEquals(200, raw.put(A + "/" + dir + "/a.txt", utf8("12345"), "text/plain").status());
        assertEquals(200, raw.put(A + "/" + dir + "/sub/b.txt", utf8("1"), "text/plain").status());
        assertEquals(200, raw.put(A + "/" + dir + "/sub/deeper/c.json", utf8("{}"), "application/json").status());

        JsonNode top = raw.get(A + "?path=" + dir).json();
        assertEquals(List.of("a.txt", "sub"), names(top));
        assertFalse(top.at("/files/0/is_dir").asBoolean());
        assertEquals(5, top.at("/files/0/file_size").asLong());
        assertTrue(top.at("/files/1/is_dir").asBoolean());
        assertTrue(top.at("/files/1/file_size").isMissingNode(), "directories carry no size");

        assertEquals(List.of("b.txt", "deeper"), names(raw.get(A + "?path=" + dir + "/sub").json()));
        assertEquals(List.of("c.json"), names(raw.get(A + "?path=" + dir + "/sub/deeper/").json()));
        // the ajax prefix serves the same tree
        assertEquals(List.of("b.txt", "deeper"), names(raw.get("/ajax-api/2.0/mlflow-artifacts/artifacts?path=" + dir + "/sub").json()));
        assertEquals("1", raw.get("/ajax-api/2.0/mlflow-artifacts/artifacts/" + dir + "/sub/b.txt").text());
        // unknown directories and files list as empty
        Raw.Resp none = raw.get(A + "?path=" + dir + "/nope");
        assertEquals(200, none.status());
        assertEquals("{}", none.text());
        assertEquals("{}", raw.get(A + "?path=" + dir + "/a.txt").text());
        // the root lists our directory among others
        assertTrue(names(raw.get(A).json()).contains(dir));
    }

    @Test
    void specialCharactersInNames() {
        String enc = A + "/" + dir + "/with%20space/na%C3%AFve%2Bplus.txt";
        assertEquals(200, raw.put(enc, utf8("ok"), "text/plain").status());
        assertEquals(List.of("with space"), names(raw.get(A + "?path=" + dir).json()));
        assertEquals(List.of("na\u00efve+plus.txt"), names(raw.get(A + "?path=" + dir + "/with%20space").json()));
        Raw.Resp get = raw.get(enc);
        assertEquals("ok", get.text());
        assertTrue(get.headers().firstValue("Content-Disposition").orElse("").contains("filename*=UTF-8''"));
    }

    @Test
    void deleteFilesAndTrees() {
        assertEquals(200, raw.put(A + "/" + dir + "/keep.txt", utf8("k"), "text/plain").status());
        assertEquals(200, raw.put(A + "/" + dir + "/gone.txt", utf8("g"), "text/plain").status());
        assertEquals(200, raw.put(A + "/" + dir + "/tree/x/y.txt", utf8("y"), "text/plain").status());
        assertEquals(200, raw.put(A + "/" + dir + "/tree/z.txt", utf8("z"), "text/plain").status());

        Raw.Resp d = raw.delete(A + "/" + dir + "/gone.txt");
        assertEquals(200, d.status(), d.toString());
        assertEquals("{}", d.text());
        Raw.Resp missing = raw.get(A + "/" + dir + "/gone.txt");
        assertEquals(404, missing.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", missing.errorCode());

        assertEquals(200, raw.delete(A + "/" + dir + "/tree").status());
        assertEquals(List.of("keep.txt"), names(raw.get(A + "?path=" + dir).json()));
        // deleting what is not there is not an error (as upstream)
        assertEquals(200, raw.delete(A + "/" + dir + "/never-existed").status());
    }

    @Test
    void downloadingADirectoryOrNothing() {
        assertEquals(200, raw.put(A + "/" + dir + "/d/f.txt", utf8("f"), "text/plain").status());
        Raw.Resp r = raw.get(A + "/" + dir + "/d");
        assertEquals(400, r.status(), r.toString());
        assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
        Raw.Resp nf = raw.get(A + "/" + dir + "/nothing.txt");
        assertEquals(404, nf.status());
        assertEquals("RESOURCE_DOES_NOT_EXIST", nf.errorCode());
    }

    @Test
    void uploadBelowAFileIsRefused() {
        assertEquals(200, raw.put(A + "/" + dir + "/file", utf8("f"), "text/plain").status());
        Raw.Resp r = raw.put(A + "/" + dir + "/file/child.txt", utf8("c"), "text/plain");
        assertTrue(r.status() == 400 || r.status() == 200, r.toString()); // OSS has no real directories
    }

    @Test
    void pathTraversalIsRefused() {
        String[] bad = {
                "/../escape.txt", "/a/../../escape.txt", "/..", "/%2e%2e/escape.txt", "/%2E%2E/%2e%2e/escape.txt",
                "/a/%2e%2e/%2e%2e/escape.txt", "/%252e%252e/escape.txt", "/..%2fescape.txt", "/a%2f..%2f..%2fescape.txt",
                "/..%5cescape.txt", "/a%5c..%5c..%5cescape.txt", "/x%00.txt", "//etc/passwd", "/%2fetc/passwd",
                "/%252fetc%252fpasswd", "/C:%5cWindows", "/file:%2f%2f%2fetc%2fpasswd",
        };
        for (String b : bad) {
            for (String method : List.of("GET", "PUT", "DELETE")) {
                Raw.Resp r = method.equals("PUT") ? raw.put(A + b, utf8("x"), "text/plain")
                        : raw.send(method, A + b, null, null);
                assertEquals(400, r.status(), method + " " + b + " -> " + r);
                assertEquals("INVALID_PARAMETER_VALUE", r.errorCode(), method + " " + b);
            }
        }
        for (String q : new String[] {"..", "../x", "a/../..", "%2e%2e", "/etc", "%2Fetc", "a%5cb", "..%5c", "x%00"}) {
            Raw.Resp r = raw.get(A + "?path=" + q);
            assertEquals(400, r.status(), "list " + q + " -> " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.errorCode());
        }
        Raw.Resp hash = raw.get(A + "?path=a%23b");
        assertEquals(400, hash.status());
    }

    @Test
    void multipartAndPresignedAnswerUnsupportedLikeUpstream() {
        for (String op : List.of("create", "complete", "abort")) {
            for (String prefix : List.of("/api", "/ajax-api")) {
                Raw.Resp r = raw.postJson(prefix + "/2.0/mlflow-artifacts/mpu/" + op + "/" + dir + "/big.bin",
                        "{\"path\": \"big.bin\", \"num_parts\": 3, \"upload_id\": \"u\", \"parts\": []}");
                assertEquals(501, r.status(), op + " " + r);
                assertEquals("NOT_IMPLEMENTED", r.errorCode());
                assertEquals("Multipart upload is not supported for the current artifact repository", r.json().get("message").asText());
            }
        }
        Raw.Resp bad = raw.postJson("/api/2.0/mlflow-artifacts/mpu/create/%2e%2e/x", "{\"path\": \"x\"}");
        assertEquals(400, bad.status());
        Raw.Resp p = raw.get("/api/2.0/mlflow-artifacts/presigned/" + dir + "/big.bin");
        assertEquals(501, p.status());
        assertEquals("NOT_IMPLEMENTED", p.errorCode());
        assertTrue(p.json().get("message").asText().startsWith("Multipart download is not supported"));
    }
}

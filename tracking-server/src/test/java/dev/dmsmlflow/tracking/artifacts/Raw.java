package dev.dmsmlflow.tracking.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Supplier;

/** Raw HTTP for the artifact tests: byte bodies, raw (un-normalised) paths, streamed bodies. */
final class Raw {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    Raw(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    record Resp(int status, byte[] body, HttpHeaders headers) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text());
            }
        }

        String errorCode() {
            JsonNode j = json();
            return j.has("error_code") ? j.get("error_code").asText() : null;
        }

        @Override
        public String toString() {
            return status + " " + (body.length > 500 ? text().substring(0, 500) + "..." : text());
        }
    }

    Resp send(String method, String rawPath, HttpRequest.BodyPublisher body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + rawPath)).timeout(Duration.ofMinutes(2));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Resp(r.statusCode(), r.body(), r.headers());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    Resp put(String rawPath, byte[] data, String contentType) {
        return send("PUT", rawPath, HttpRequest.BodyPublishers.ofByteArray(data), contentType);
    }

    Resp get(String rawPath) {
        return send("GET", rawPath, null, null);
    }

    Resp delete(String rawPath) {
        return send("DELETE", rawPath, null, null);
    }

    Resp postJson(String rawPath, String json) {
        return send("POST", rawPath, HttpRequest.BodyPublishers.ofString(json), "application/json");
    }

    /** GET streaming the body into a SHA-256 digest; returns status and hex digest (and byte count). */
    String[] getDigest(String rawPath) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + rawPath)).timeout(Duration.ofMinutes(5)).GET().build();
        HttpResponse<InputStream> r = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long n = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                md.update(buf, 0, k);
                n += k;
            }
        }
        return new String[] {Integer.toString(r.statusCode()), HexFormat.of().formatHex(md.digest()), Long.toString(n)};
    }

    /** A deterministic pseudo-random stream of {@code size} bytes, generated on the fly. */
    static Supplier<InputStream> generated(long size, long seed) {
        return () -> new InputStream() {
            private final Random rnd = new Random(seed);
            private long left = size;
            private final byte[] block = new byte[8192];
            private int pos = block.length;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                if (pos == block.length) {
                    rnd.nextBytes(block);
                    pos = 0;
                }
                int n = (int) Math.min(Math.min(len, block.length - pos), left);
                System.arraycopy(block, pos, b, off, n);
                pos += n;
                left -= n;
                return n;
            }
        };
    }

    static String sha256(Supplier<InputStream> s) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = s.get()) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                md.update(buf, 0, k);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}

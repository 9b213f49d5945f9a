package dev.dmsmlflow.infra.oss;

import dev.dmsmlflow.infra.TempDirs;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for Alibaba Cloud OSS, written for tests from the public REST API description:
 * path-style addressing ({@code /<bucket>/<key>}), PutObject, GetObject, HeadObject, DeleteObject and
 * ListObjectsV2, with OSS's XML error bodies. Every request must carry a valid
 * {@code OSS4-HMAC-SHA256} (V4) signature, recomputed here from the request as received and the
 * test's secret; anything else is answered 403 like OSS does. Temporary (STS) key pairs registered in {@link #temporary}
 * are accepted only with their security token and only until they expire. Objects are kept in temporary files.
 */
public final class FakeOss implements AutoCloseable {
    public static final String V4 = "OSS4-HMAC-SHA256";
    private static final DateTimeFormatter ISO_BASIC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final String bucket;
    private final String region;
    private final String accessKeyId;
    private final String accessKeySecret;
    private final Path dir;
    private final NavigableMap<String, Obj> objects = new ConcurrentSkipListMap<>();
    public final AtomicInteger accepted = new AtomicInteger();
    public final AtomicInteger rejected = new AtomicInteger();
    public final Map<String, AtomicInteger> operations = new java.util.concurrent.ConcurrentHashMap<>();
    public volatile String lastRejection;
    /** Temporary (STS) key pairs the stand-in accepts besides its own key: only with their security token, only until they expire. */
    public final Map<String, Temporary> temporary = new java.util.concurrent.ConcurrentHashMap<>();
    /** The time temporary credentials expire by (tests move it; request signatures are checked against the real time). */
    public volatile java.util.function.Supplier<Instant> clock = Instant::now;

    /** A temporary key pair: its secret, the security token that must come with it, its expiry. */
    public record Temporary(String secret, String token, Instant expiresAt) {
    }

    private record Obj(Path file, long size, String etag, String crc64, Instant modified, String contentType) {
    }

    public FakeOss(String bucket, String region, String accessKeyId, String accessKeySecret) throws IOException {
        this.bucket = bucket;
        this.region = region;
        this.accessKeyId = accessKeyId;
        this.accessKeySecret = accessKeySecret;
        this.dir = TempDirs.forThisJvm("fake-oss");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-oss");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int objectCount() {
        return objects.size();
    }

    public Set<String> keys() {
        return new TreeSet<>(objects.keySet());
    }

    @Override
    public void close() {
        server.stop(0);
        for (Obj o : objects.values()) {
            try {
                Files.deleteIfExists(o.file());
            } catch (IOException ignored) {
                // temp files
            }
        }
    }

    // ------------------------------------------------------------------ request handling

    private void handle(HttpExchange ex) throws IOException {
        String requestId = UUID.randomUUID().toString().replace("-", "").substring(0, 24).toUpperCase(Locale.ROOT);
        ex.getResponseHeaders().set("x-oss-request-id", requestId);
        ex.getResponseHeaders().set("Server", "FakeOSS");
        try {
            String rawPath = ex.getRequestURI().getRawPath();
            String path = pctDecode(rawPath);
            Map<String, String> query = parseQuery(ex.getRequestURI().getRawQuery());
            String problem = verifySignature(ex, path, query);
            if (problem != null) {
                rejected.incrementAndGet();
                lastRejection = problem;
                drain(ex);
                String code = problem.startsWith("InvalidAccessKeyId") ? "InvalidAccessKeyId"
                        : problem.startsWith("SignatureDoesNotMatch") ? "SignatureDoesNotMatch"
                        : problem.startsWith("SecurityTokenExpired") ? "SecurityTokenExpired" : "AccessDenied";
                error(ex, 403, code, problem, requestId);
                return;
            }
            accepted.incrementAndGet();
            if (!path.startsWith("/")) {
                error(ex, 400, "InvalidURI", "bad path", requestId);
                return;
            }
            String rest = path.substring(1);
            int slash = rest.indexOf('/');
            String b = slash < 0 ? rest : rest.substring(0, slash);
            String key = slash < 0 ? "" : rest.substring(slash + 1);
            if (!bucket.equals(b)) {
                drain(ex);
                error(ex, 404, "NoSuchBucket", "The specified bucket does not exist.", requestId);
                return;
            }
            String method = ex.getRequestMethod();
            if (key.isEmpty()) {
                if (method.equals("GET") && "2".equals(query.get("list-type"))) {
                    count("ListObjectsV2");
                    listV2(ex, query);
                } else {
                    drain(ex);
                    error(ex, 501, "NotImplemented", "The fake OSS supports ListObjectsV2 only on buckets", requestId);
                }
                return;
            }
            if (!query.isEmpty() && !(query.size() == 1 && query.containsKey("response-content-type"))) {
                drain(ex);
                error(ex, 501, "NotImplemented", "Sub-resources are not supported by the fake: " + query.keySet(), requestId);
                return;
            }
            switch (method) {
                case "PUT" -> {
                    count("PutObject");
                    put(ex, key, requestId);
                }
                case "GET" -> {
                    count("GetObject");
                    get(ex, key, requestId, false);
                }
                case "HEAD" -> {
                    count("HeadObject");
                    get(ex, key, requestId, true);
                }
                case "DELETE" -> {
                    count("DeleteObject");
                    Obj o = objects.remove(key);
                    if (o != null) {
                        Files.deleteIfExists(o.file());
                    }
                    ex.sendResponseHeaders(204, -1);
                }
                default -> {
                    drain(ex);
                    error(ex, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.", requestId);
                }
            }
        } catch (Exception e) {
            error(ex, 500, "InternalError", String.valueOf(e), requestId);
        } finally {
            ex.close();
        }
    }

    private void count(String op) {
        operations.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    }

    private void put(HttpExchange ex, String key, String requestId) throws Exception {
        Path file = Files.createTempFile(dir, "obj", ".bin");
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        Crc64 crc = new Crc64();
        long n = 0;
        try (InputStream in = ex.getRequestBody(); OutputStream out = Files.newOutputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                out.write(buf, 0, k);
                md5.update(buf, 0, k);
                crc.update(buf, 0, k);
                n += k;
            }
        }
        byte[] digest = md5.digest();
        String declaredMd5 = ex.getRequestHeaders().getFirst("Content-MD5");
        if (declaredMd5 != null && !declaredMd5.equals(Base64.getEncoder().encodeToString(digest))) {
            Files.deleteIfExists(file);
            error(ex, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.", requestId);
            return;
        }
        String declaredLength = ex.getRequestHeaders().getFirst("Content-Length");
        if (declaredLength != null && Long.parseLong(declaredLength) != n) {
            Files.deleteIfExists(file);
            error(ex, 400, "IncompleteBody", "The body is shorter than Content-Length.", requestId);
            return;
        }
        String etag = HexFormat.of().withUpperCase().formatHex(digest);
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        Obj old = objects.put(key, new Obj(file, n, etag, Long.toUnsignedString(crc.value()), Instant.now(), ct));
        if (old != null) {
            Files.deleteIfExists(old.file());
        }
        ex.getResponseHeaders().set("ETag", "\"" + etag + "\"");
        ex.getResponseHeaders().set("x-oss-hash-crc64ecma", Long.toUnsignedString(crc.value()));
        ex.getResponseHeaders().set("Content-MD5", Base64.getEncoder().encodeToString(digest));
        ex.sendResponseHeaders(200, -1);
    }

    private void get(HttpExchange ex, String key, String requestId, boolean head) throws IOException {
        Obj o = objects.get(key);
        if (o == null) {
            error(ex, 404, "NoSuchKey", "The specified key does not exist.", requestId);
            return;
        }
        Headers h = ex.getResponseHeaders();
        h.set("ETag", "\"" + o.etag() + "\"");
        h.set("Last-Modified", HTTP_DATE.format(o.modified()));
        h.set("Content-Type", o.contentType() == null ? "application/octet-stream" : o.contentType());
        h.set("x-oss-hash-crc64ecma", o.crc64());
        h.set("x-oss-object-type", "Normal");
        h.set("x-oss-storage-class", "Standard");
        if (head) {
            h.set("Content-Length", Long.toString(o.size()));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, o.size() == 0 ? -1 : o.size());
        if (o.size() > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(o.file(), out);
            }
        }
    }

    private void listV2(HttpExchange ex, Map<String, String> q) throws IOException {
        String prefix = q.getOrDefault("prefix", "");
        String delimiter = q.getOrDefault("delimiter", "");
        int maxKeys = q.containsKey("max-keys") ? Integer.parseInt(q.get("max-keys")) : 100;
        String token = q.get("continuation-token");
        String startAfter = q.get("start-after");
        boolean url = "url".equals(q.get("encoding-type"));
        String from = token != null ? new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8) : null;

        List<String[]> contents = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        String next = null;
        int count = 0;
        NavigableMap<String, Obj> view = from != null ? objects.tailMap(from, true)
                : startAfter != null ? objects.tailMap(startAfter, false) : objects;
        String lastPrefix = null;
        for (Map.Entry<String, Obj> e : view.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(prefix)) {
                if (k.compareTo(prefix) > 0) {
                    break;
                }
                continue;
            }
            String rest = k.substring(prefix.length());
            int d = delimiter.isEmpty() ? -1 : rest.indexOf(delimiter);
            if (d >= 0) {
                String cp = prefix + rest.substring(0, d + delimiter.length());
                if (cp.equals(lastPrefix)) {
                    continue;
                }
                if (count == maxKeys) {
                    next = k;
                    break;
                }
                prefixes.add(cp);
                lastPrefix = cp;
                count++;
            } else {
                if (count == maxKeys) {
                    next = k;
                    break;
                }
                Obj o = e.getValue();
                contents.add(new String[] {k, o.etag(), Long.toString(o.size()), DateTimeFormatter.ISO_INSTANT.format(o.modified())});
                count++;
            }
        }
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>");
        el(x, "Name", bucket);
        el(x, "Prefix", enc(prefix, url));
        el(x, "MaxKeys", Integer.toString(maxKeys));
        if (!delimiter.isEmpty()) {
            el(x, "Delimiter", enc(delimiter, url));
        }
        if (url) {
            el(x, "EncodingType", "url");
        }
        if (token != null) {
            el(x, "ContinuationToken", token);
        }
        el(x, "IsTruncated", Boolean.toString(next != null));
        el(x, "KeyCount", Integer.toString(count));
        if (next != null) {
            el(x, "NextContinuationToken", Base64.getEncoder().encodeToString(next.getBytes(StandardCharsets.UTF_8)));
        }
        for (String[] c : contents) {
            x.append("<Contents>");
            el(x, "Key", enc(c[0], url));
            el(x, "LastModified", c[3]);
            el(x, "ETag", "\"" + c[1] + "\"");
            el(x, "Type", "Normal");
            el(x, "Size", c[2]);
            el(x, "StorageClass", "Standard");
            x.append("</Contents>");
        }
        for (String p : prefixes) {
            x.append("<CommonPrefixes>");
            el(x, "Prefix", enc(p, url));
            x.append("</CommonPrefixes>");
        }
        x.append("</ListBucketResult>");
        byte[] body = x.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/xml");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    // ------------------------------------------------------------------ V4 signature check

    /** Null when the request is correctly signed, else why not. */
    private String verifySignature(HttpExchange ex, String decodedPath, Map<String, String> query) throws Exception {
        Headers h = ex.getRequestHeaders();
        String auth = h.getFirst("Authorization");
        if (auth == null || auth.isBlank()) {
            return "AccessDenied: the request carries no Authorization header";
        }
        if (!auth.startsWith(V4 + " ")) {
            return "AccessDenied: expected " + V4 + " authorization, got " + auth.split(" ", 2)[0];
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String p : auth.substring(V4.length() + 1).split(",")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
            }
        }
        String credential = parts.get("Credential");
        String signature = parts.get("Signature");
        if (credential == null || signature == null) {
            return "AccessDenied: malformed Authorization header: " + auth;
        }
        String[] cred = credential.split("/");
        if (cred.length != 5 || !cred[3].equals("oss") || !cred[4].equals("aliyun_v4_request")) {
            return "AccessDenied: malformed credential scope " + credential;
        }
        String secret;
        if (cred[0].equals(accessKeyId)) {
            secret = accessKeySecret;
        } else {
            Temporary t = temporary.get(cred[0]);
            if (t == null) {
                return "InvalidAccessKeyId: The OSS Access Key Id you provided does not exist in our records.";
            }
            String token = h.getFirst("x-oss-security-token");
            if (token == null) {
                return "AccessDenied: a temporary access key needs its security token (x-oss-security-token)";
            }
            if (!token.equals(t.token())) {
                return "InvalidAccessKeyId: The security token you provided is invalid.";
            }
            if (!clock.get().isBefore(t.expiresAt())) {
                return "SecurityTokenExpired: The security token you provided has expired.";
            }
            secret = t.secret();
        }
        if (!cred[2].equals(region)) {
            return "SignatureDoesNotMatch: credential scope region " + cred[2] + " is not " + region;
        }
        String date = h.getFirst("x-oss-date");
        if (date == null) {
            return "AccessDenied: x-oss-date is missing";
        }
        Instant when = ZonedDateTime.parse(date, ISO_BASIC).toInstant();
        if (Duration.between(when, Instant.now()).abs().toMinutes() > 15) {
            return "RequestTimeTooSkewed: " + date;
        }
        if (!date.startsWith(cred[1])) {
            return "SignatureDoesNotMatch: scope date " + cred[1] + " does not match x-oss-date " + date;
        }
        String payloadHash = h.getFirst("x-oss-content-sha256");
        if (payloadHash == null) {
            return "AccessDenied: x-oss-content-sha256 is missing";
        }
        Set<String> additional = new TreeSet<>();
        if (parts.containsKey("AdditionalHeaders") && !parts.get("AdditionalHeaders").isEmpty()) {
            for (String a : parts.get("AdditionalHeaders").split(";")) {
                additional.add(a.toLowerCase(Locale.ROOT));
            }
        }

        StringBuilder canonical = new StringBuilder();
        canonical.append(ex.getRequestMethod()).append('\n');
        canonical.append(uriEncode(decodedPath, true)).append('\n');
        TreeMap<String, String> q = new TreeMap<>();
        query.forEach((k, v) -> q.put(uriEncode(k.trim(), false), uriEncode(v.trim(), false)));
        String sep = "";
        for (Map.Entry<String, String> e : q.entrySet()) {
            canonical.append(sep).append(e.getKey());
            if (!e.getValue().isEmpty()) {
                canonical.append('=').append(e.getValue());
            }
            sep = "&";
        }
        canonical.append('\n');
        TreeMap<String, String> signed = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : h.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("content-type") || name.equals("content-md5") || name.startsWith("x-oss-") || additional.contains(name)) {
                signed.put(name, e.getValue().get(0).trim());
            }
        }
        for (Map.Entry<String, String> e : signed.entrySet()) {
            canonical.append(e.getKey()).append(':').append(e.getValue()).append('\n');
        }
        canonical.append('\n');
        canonical.append(String.join(";", additional)).append('\n');
        canonical.append(payloadHash);

        String scope = cred[1] + "/" + cred[2] + "/oss/aliyun_v4_request";
        String stringToSign = V4 + "\n" + date + "\n" + scope + "\n" + hex(sha256(canonical.toString()));
        byte[] key = hmac(("aliyun_v4" + secret).getBytes(StandardCharsets.UTF_8), cred[1]);
        key = hmac(key, cred[2]);
        key = hmac(key, "oss");
        key = hmac(key, "aliyun_v4_request");
        String expected = hex(hmac(key, stringToSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            return "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. "
                    + "Canonical request: " + canonical.toString().replace("\n", "\\n");
        }
        return null;
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** RFC 3986 encoding: unreserved characters stay, everything else is %XX (upper case). */
    static String uriEncode(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
                    || keepSlash && c == '/') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    static String pctDecode(String s) {
        if (s == null) {
            return "";
        }
        return percentDecode(s);
    }

    /** %XX escapes decoded as UTF-8 ('+' stays a plus, as in a path); a malformed escape fails the request. */
    private static String percentDecode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String p : raw.split("&")) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String k = eq < 0 ? p : p.substring(0, eq);
            String v = eq < 0 ? "" : p.substring(eq + 1);
            out.put(percentDecode(k), percentDecode(v));
        }
        return out;
    }

    private static String enc(String s, boolean url) {
        return url ? uriEncode(s, false).replace("%2F", "/") : s;
    }

    private static void el(StringBuilder x, String name, String value) {
        x.append('<').append(name).append('>').append(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                .append("</").append(name).append('>');
    }

    private static void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // best effort
        }
    }

    private void error(HttpExchange ex, int status, String code, String message, String requestId) {
        try {
            StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
            el(x, "Code", code);
            el(x, "Message", message);
            el(x, "RequestId", requestId);
            el(x, "HostId", "127.0.0.1");
            el(x, "EC", "0000-00000000");
            x.append("</Error>");
            byte[] body = x.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/xml");
            if (ex.getRequestMethod().equals("HEAD")) {
                // HEAD answers have no body: OSS carries the error document base64-encoded in a header
                ex.getResponseHeaders().set("x-oss-err", Base64.getEncoder().encodeToString(body));
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException ignored) {
            // the response was already started
        }
    }

    /** CRC-64/XZ ("ECMA" in OSS headers): reflected polynomial 0xC96C5795D7870F42, init and xor-out all ones. */
    static final class Crc64 {
        private static final long[] TABLE = new long[256];

        static {
            for (int i = 0; i < 256; i++) {
                long c = i;
                for (int j = 0; j < 8; j++) {
                    c = (c & 1) != 0 ? (c >>> 1) ^ 0xC96C5795D7870F42L : c >>> 1;
                }
                TABLE[i] = c;
            }
        }

        private long crc = ~0L;

        void update(byte[] b, int off, int len) {
            long c = crc;
            for (int i = off; i < off + len; i++) {
                c = TABLE[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
            }
            crc = c;
        }

        long value() {
            return ~crc;
        }
    }
}

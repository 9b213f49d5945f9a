package dev.dmsmlflow.infra.aliyun;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The wire format shared by the tests' local stand-ins for Alibaba Cloud's RPC-style APIs (ALB, VPC, ECS, STS, ECI): the
 * percent-encoding of canonical requests, form and query parsing, the digests signatures are built from, and JSON answers
 * and errors as the services send them. Each stand-in checks the signature scheme its SDK uses with these pieces.
 */
public final class AcsWire {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AcsWire() {
    }

    /** Alibaba Cloud's percent-encoding (RFC 3986: space as %20, '*' encoded, '~' kept). */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    /** Adds the pairs of a form body or query string to {@code into}, decoded. */
    public static void parseForm(String raw, Map<String, String> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                into.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
    }

    public static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] hmacSha256(String key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /**
     * Checks an ACS3-HMAC-SHA256 signature (what the Tea SDKs send) against the key pair {@code keyId}/{@code secret}:
     * null when it holds, else the reason in Alibaba Cloud's words (starting with {@code InvalidAccessKeyId} for an
     * unknown key, with "Specified signature is not matched" otherwise).
     */
    public static String verifyAcs3(HttpExchange ex, String rawQuery, byte[] body, String keyId, String secret) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("ACS3-HMAC-SHA256 ")) {
            return "Specified signature is not matched with our calculation: no ACS3-HMAC-SHA256 Authorization header.";
        }
        Map<String, String> parts = new TreeMap<>();
        for (String p : auth.substring("ACS3-HMAC-SHA256 ".length()).split(",")) {
            int eq = p.indexOf('=');
            parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        if (!keyId.equals(parts.get("Credential"))) {
            return "InvalidAccessKeyId: Specified access key is not found.";
        }
        String payloadHash = hex(sha256(body));
        String declared = ex.getRequestHeaders().getFirst("x-acs-content-sha256");
        if (declared != null && !declared.equalsIgnoreCase(payloadHash)) {
            return "Specified signature is not matched with our calculation: x-acs-content-sha256 does not match the body.";
        }
        // canonical query: decoded, re-encoded per RFC 3986, sorted by name
        Map<String, String> q = new TreeMap<>();
        parseForm(rawQuery, q);
        StringBuilder cq = new StringBuilder();
        q.forEach((k, v) -> cq.append(cq.length() > 0 ? "&" : "").append(encode(k)).append('=').append(encode(v)));
        String[] signedHeaders = parts.getOrDefault("SignedHeaders", "").split(";");
        StringBuilder ch = new StringBuilder();
        for (String h : signedHeaders) {
            String v = ex.getRequestHeaders().getFirst(h);
            ch.append(h.toLowerCase(Locale.ROOT)).append(':').append(v == null ? "" : v.trim()).append('\n');
        }
        String path = ex.getRequestURI().getRawPath();
        String canonical = ex.getRequestMethod() + "\n" + (path == null || path.isEmpty() ? "/" : path) + "\n" + cq + "\n"
                + ch + "\n" + String.join(";", signedHeaders) + "\n" + (declared != null ? declared : payloadHash);
        String stringToSign = "ACS3-HMAC-SHA256\n" + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        if (!hex(hmacSha256(secret, stringToSign)).equalsIgnoreCase(parts.get("Signature"))) {
            return "Specified signature is not matched with our calculation. server string to sign is:" + stringToSign;
        }
        return null;
    }

    /** A JSON answer (with {@code x-acs-request-id} when the body has a RequestId). */
    public static void respond(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
        byte[] out = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json;charset=utf-8");
        if (body.get("RequestId") != null) {
            ex.getResponseHeaders().add("x-acs-request-id", String.valueOf(body.get("RequestId")));
        }
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    /** An error as the services answer it: RequestId, HostId, Code, Message, and {@code extra} fields (e.g. Recommend). */
    public static void error(HttpExchange ex, int status, String host, String code, String message, Map<String, Object> extra)
            throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", UUID.randomUUID().toString().toUpperCase(Locale.ROOT));
        body.put("HostId", host);
        body.put("Code", code);
        body.put("Message", message);
        body.putAll(extra);
        respond(ex, status, body);
    }
}

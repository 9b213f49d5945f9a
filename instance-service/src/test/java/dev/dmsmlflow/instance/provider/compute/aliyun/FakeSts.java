package dev.dmsmlflow.instance.provider.compute.aliyun;

import static dev.dmsmlflow.infra.aliyun.AcsWire.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local server speaking STS's RPC wire format for AssumeRole: the request must be signed (RPC signature, HMAC-SHA1) by
 * the test's (platform) key pair; the answer is a temporary key pair and token, and the parameters are kept for the test.
 */
final class FakeSts implements AutoCloseable {

    static final String ACCESS_KEY_ID = "LTAI-platform-key";
    static final String ACCESS_KEY_SECRET = "platform-secret-never-given-to-a-tracking-server";

    final CopyOnWriteArrayList<Map<String, String>> assumeRoles = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();

    FakeSts() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, String> params = new TreeMap<>();
        parseForm(ex.getRequestURI().getRawQuery(), params);
        String contentType = ex.getRequestHeaders().getFirst("content-type");
        if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
            parseForm(new String(body, StandardCharsets.UTF_8), params);
        }
        String action = params.get("Action");
        String error = verify(ex.getRequestMethod(), params);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("RequestId", UUID.randomUUID().toString());
        if (error != null) {
            answer.put("Code", "SignatureDoesNotMatch");
            answer.put("Message", error);
            respond(ex, 400, answer);
            return;
        }
        if (!"AssumeRole".equals(action)) {
            answer.put("Code", "InvalidAction.NotFound");
            answer.put("Message", "no action " + action);
            respond(ex, 404, answer);
            return;
        }
        assumeRoles.add(params);
        answer.put("AssumedRoleUser", Map.of("Arn", params.get("RoleArn") + "/" + params.get("RoleSessionName"), "AssumedRoleId", "3000:x"));
        answer.put("Credentials", Map.of("AccessKeyId", "STS.scoped-" + assumeRoles.size(), "AccessKeySecret", "scoped-secret",
                "SecurityToken", "scoped-token", "Expiration", Instant.now().plus(Long.parseLong(params.get("DurationSeconds")),
                        ChronoUnit.SECONDS).truncatedTo(ChronoUnit.SECONDS).toString()));
        respond(ex, 200, answer);
    }

    /**
     * Null when the call is signed the way STS's RPC style wants it (what sts20150401 sends: HMAC-SHA1 over the method
     * and every query and form parameter but {@code Signature}, keyed with the secret and '&') by the platform's key,
     * else why not.
     */
    private static String verify(String method, Map<String, String> params) {
        if (!ACCESS_KEY_ID.equals(params.get("AccessKeyId"))) {
            return "unknown access key";
        }
        if (!"HMAC-SHA1".equals(params.get("SignatureMethod")) || params.get("Signature") == null) {
            return "no HMAC-SHA1 signature";
        }
        StringBuilder canonical = new StringBuilder();
        params.forEach((k, v) -> {
            if (!"Signature".equals(k)) {
                canonical.append(canonical.length() > 0 ? "&" : "").append(encode(k)).append('=').append(encode(v));
            }
        });
        String toSign = method + "&" + encode("/") + "&" + encode(canonical.toString());
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec((ACCESS_KEY_SECRET + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String expected = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
            return expected.equals(params.get("Signature")) ? null : "signature does not match";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}

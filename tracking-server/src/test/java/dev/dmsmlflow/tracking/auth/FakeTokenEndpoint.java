package dev.dmsmlflow.tracking.auth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dmsmlflow.mlflowaccess.MlflowCredentials;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays network-service's token endpoint for one tracking server: {@code GET /data-plane/instances/i-1/access-tokens} with
 * the server's secret in {@code X-Dms-Storage-Secret} answers the instance's mode and its active tokens' digests, as the
 * test sets them; anything else is a 401. {@link #down} answers 503 to everything (the control plane unreachable).
 */
final class FakeTokenEndpoint implements AutoCloseable {

    static final String PATH = "/data-plane/instances/i-1/access-tokens";
    private static final SecureRandom RANDOM = new SecureRandom();

    record Token(String id, String scope, Instant expiresAt) {
    }

    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    volatile boolean down;
    volatile String authMode = "token";
    /** Active tokens by the token's text (the endpoint answers only their digests). */
    final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final String secret;

    FakeTokenEndpoint(String secret) throws IOException {
        this.secret = secret;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    /** A new token, as network-service makes them, listed as active with {@code scope} until {@code expiresAt}. */
    String add(String scope, Instant expiresAt) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String id = "tok_" + Long.toHexString(RANDOM.nextLong());
        String token = "mlft_" + id.substring(4) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        tokens.put(token, new Token(id, scope, expiresAt));
        return token;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (down) {
                ex.sendResponseHeaders(503, -1);
                return;
            }
            if (!"GET".equals(ex.getRequestMethod()) || !PATH.equals(ex.getRequestURI().getPath())
                    || !secret.equals(ex.getRequestHeaders().getFirst(TokenFeed.SECRET_HEADER))) {
                refused.incrementAndGet();
                ex.sendResponseHeaders(401, -1);
                return;
            }
            StringBuilder json = new StringBuilder("{\"authMode\":\"").append(authMode).append("\",\"tokens\":[");
            boolean first = true;
            for (Map.Entry<String, Token> e : tokens.entrySet()) {
                Token t = e.getValue();
                json.append(first ? "" : ",").append("{\"id\":\"").append(t.id()).append("\",\"digest\":\"")
                        .append(MlflowCredentials.digestHex(e.getKey())).append("\",\"scope\":\"").append(t.scope())
                        .append("\",\"expiresAt\":").append(t.expiresAt() == null ? "null" : "\"" + t.expiresAt() + "\"").append("}");
                first = false;
            }
            byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            answered.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Plays instance-service's credentials endpoint for one tracking server: {@code GET /compute/instances/<id>/storage-credentials}
 * with the server's secret in {@code X-Dms-Storage-Secret} answers a new temporary key pair and token (registered with the
 * {@link FakeOss}, valid for {@link #lifetime} from the clock's now) in the endpoint's JSON shape; anything else is a 401.
 */
final class FakeCredentialsEndpoint implements AutoCloseable {

    static final String PATH = "/compute/instances/i-1/storage-credentials";

    final AtomicInteger issued = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    /** When set, every request is answered 503 (the endpoint is down). */
    volatile boolean down;
    volatile Duration lifetime = Duration.ofMinutes(15);
    volatile String lastKeyId;
    private final HttpServer server;
    private final FakeOss oss;
    private final String secret;
    private final Supplier<Instant> clock;

    FakeCredentialsEndpoint(FakeOss oss, String secret, Supplier<Instant> clock) throws IOException {
        this.oss = oss;
        this.secret = secret;
        this.clock = clock;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (down) {
                ex.sendResponseHeaders(503, -1);
                return;
            }
            if (!"GET".equals(ex.getRequestMethod()) || !PATH.equals(ex.getRequestURI().getPath())
                    || !secret.equals(ex.getRequestHeaders().getFirst("X-Dms-Storage-Secret"))) {
                refused.incrementAndGet();
                ex.sendResponseHeaders(401, -1);
                return;
            }
            int n = issued.incrementAndGet();
            String keyId = "STS.key-" + n;
            Instant expires = clock.get().plus(lifetime);
            oss.temporary.put(keyId, new FakeOss.Temporary("sts-secret-" + n, "sts-token-" + n, expires));
            lastKeyId = keyId;
            Map<String, String> body = new LinkedHashMap<>();
            body.put("Code", "Success");
            body.put("AccessKeyId", keyId);
            body.put("AccessKeySecret", "sts-secret-" + n);
            body.put("SecurityToken", "sts-token-" + n);
            body.put("Expiration", expires.toString());
            byte[] out = new ObjectMapper().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The public API ({@code /api/v1}) over HTTP with the caller's API key. Errors become {@link ApiError}s carrying the
 * problem+json fields. Transport failures and 429s are retried a few times; a POST is retried only with the same
 * {@code Idempotency-Key}, so a retry never creates twice.
 */
public final class GatewayClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 4;
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

    private final String base;
    private final String apiKey;
    private final HttpClient http;
    private final Duration timeout;

    public GatewayClient(String url, String apiKey, Duration timeout) {
        if (url == null || url.isBlank()) {
            throw new CliException("no gateway URL: run `dms login --url URL` or set DMS_URL", CliException.AUTH);
        }
        this.base = url.replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** An error answer of the API: its status and problem fields. */
    public static final class ApiError extends RuntimeException {
        public final int status;
        public final String title;
        public final String detail;
        public final String field;
        public final String code;
        public final long retryAfterSeconds;

        ApiError(int status, JsonNode problem, long retryAfterSeconds) {
            super(status + " " + text(problem, "title"));
            this.status = status;
            this.title = text(problem, "title");
            this.detail = text(problem, "detail");
            this.field = text(problem, "field");
            this.code = text(problem, "code");
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    public JsonNode get(String path) {
        return send("GET", path, null, null);
    }

    /** POST with a fresh Idempotency-Key (kept across this call's retries). */
    public JsonNode post(String path, Object body) {
        return send("POST", path, body, UUID.randomUUID().toString());
    }

    public JsonNode patch(String path, Object body) {
        return send("PATCH", path, body, null);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null, null);
    }

    /** {@code s} encoded for a path segment or query value. */
    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, Object body, String idempotencyKey) {
        if (apiKey == null || apiKey.isBlank()) {
            throw new CliException("not logged in: run `dms login` or set DMS_API_KEY", CliException.AUTH);
        }
        byte[] payload;
        try {
            payload = body == null ? null : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        boolean retriable = !"POST".equals(method) && !"PATCH".equals(method) || idempotencyKey != null;
        IOException lastTransport = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                    .header("Authorization", "Bearer " + apiKey)
                    .header("Accept", "application/json, application/problem+json")
                    .header("User-Agent", "dms-cli/1");
            if (idempotencyKey != null) {
                b.header("Idempotency-Key", idempotencyKey);
            }
            if (payload != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
            } else {
                b.method(method, "POST".equals(method) ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody());
                if ("POST".equals(method)) {
                    b.header("Content-Type", "application/json");
                }
            }
            HttpResponse<String> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                lastTransport = e;
                if (!retriable || attempt == ATTEMPTS) {
                    break;
                }
                pause(Duration.ofMillis(250L << attempt));
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted", CliException.FAILED);
            }
            JsonNode json = parse(r.body());
            if (r.statusCode() < 400) {
                return json;
            }
            long retryAfter = r.headers().firstValue("Retry-After").map(GatewayClient::seconds).orElse(1L);
            if (r.statusCode() == 429 && retriable && attempt < ATTEMPTS && retryAfter <= MAX_RETRY_AFTER.toSeconds()) {
                pause(Duration.ofSeconds(Math.max(1, retryAfter)));
                continue;
            }
            throw new ApiError(r.statusCode(), json, retryAfter);
        }
        throw new CliException("cannot reach the gateway at " + base + ": "
                + (lastTransport == null ? "no answer" : lastTransport.getClass().getSimpleName()
                + (lastTransport.getMessage() == null ? "" : " " + lastTransport.getMessage())), CliException.FAILED);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return NullNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("detail", body.length() > 200 ? body.substring(0, 200) + "..." : body);
        }
    }

    private static long seconds(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", CliException.FAILED);
        }
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

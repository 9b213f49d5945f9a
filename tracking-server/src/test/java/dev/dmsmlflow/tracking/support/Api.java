package dev.dmsmlflow.tracking.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A tiny raw-HTTP client for tests: sends JSON, returns status and parsed body. */
public final class Api {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final String base;

    /** @param base server root such as {@code http://localhost:1234/} */
    public Api(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** A response: status code, raw text and the JSON body (null when not JSON). */
    public record Resp(int status, String text, JsonNode json) {
        public String errorCode() {
            return json == null || json.get("error_code") == null ? null : json.get("error_code").asText();
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    public static ObjectNode obj(Object... kv) {
        ObjectNode n = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            n.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
        }
        return n;
    }

    /** POST to {@code /api/2.0/mlflow/<path>}. */
    public Resp post(String path, Object body) {
        String text = body instanceof String s ? s : body.toString();
        return send("POST", "/api/2.0/mlflow/" + path, text, "application/json");
    }

    /** GET {@code /api/2.0/mlflow/<path>} with query parameters. */
    public Resp get(String path, Map<String, String> query) {
        StringBuilder q = new StringBuilder();
        for (var e : query.entrySet()) {
            q.append(q.length() == 0 ? "?" : "&").append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
                    .append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return send("GET", "/api/2.0/mlflow/" + path + q, null, null);
    }

    public Resp send(String method, String absolutePath, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + absolutePath));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            try {
                json = JSON.readTree(r.body());
            } catch (Exception ignored) {
                // not JSON
            }
            return new Resp(r.statusCode(), r.body(), json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

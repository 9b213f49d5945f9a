package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.dmsmlflow.infra.ServiceKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A small JSON-over-HTTP client for the services' REST APIs (java.net.http + Jackson). The static calls carry no
 * credentials (health, the tracking server through its load balancer, a stranger's calls); {@link #as} gives a client
 * whose every request carries a fresh gateway service token, as the gateway would send it (docs/identity.md).
 */
public final class Api {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    private Api() {
    }

    /** A response: status, content type, body text and (when it parses) its JSON. */
    public record Resp(int status, String contentType, String body, JsonNode json, java.net.http.HttpHeaders headers) {
        /** The first value of a response header, or null. */
        public String header(String name) {
            return headers == null ? null : headers.firstValue(name).orElse(null);
        }

        public String text(String field) {
            JsonNode n = json.path(field);
            return n.isMissingNode() || n.isNull() ? null : n.asText();
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    public static Resp get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    public static Resp post(String url, Object body) {
        return send(postRequest(url, body));
    }

    public static Resp patch(String url, Object body) {
        return send(patchRequest(url, body));
    }

    public static Resp delete(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).DELETE());
    }

    private static HttpRequest.Builder postRequest(String url, Object body) {
        return HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(body)));
    }

    private static HttpRequest.Builder patchRequest(String url, Object body) {
        return HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json(body)));
    }

    /** A client acting as member {@code principal} with {@code role} in {@code workspace}. */
    public static Client as(String principal, String workspace, String role) {
        return new Client(principal, workspace, role);
    }

    /**
     * Calls as one member in one workspace: each request gets a service token minted with {@link ServiceKeys#forTests()},
     * the key pair {@link Stack} gives the services to verify with.
     */
    public record Client(String principal, String workspace, String role) {

        /** A fresh token (2 minutes, as the gateway's lifetime). */
        public String token() {
            String token = ServiceKeys.forTests().mint(principal, workspace, role, Duration.ofMinutes(2));
            TOKENS.add(token);
            return token;
        }

        public Resp get(String url) {
            return send(authorized(HttpRequest.newBuilder(URI.create(url)).GET()));
        }

        public Resp post(String url, Object body) {
            return send(authorized(postRequest(url, body)));
        }

        /** A POST with {@code Idempotency-Key: key}: its retries are answered with the first outcome. */
        public Resp postWithKey(String url, Object body, String key) {
            return send(authorized(postRequest(url, body).header("Idempotency-Key", key)));
        }

        public Resp patch(String url, Object body) {
            return send(authorized(patchRequest(url, body)));
        }

        public Resp delete(String url) {
            return send(authorized(HttpRequest.newBuilder(URI.create(url)).DELETE()));
        }

        private HttpRequest.Builder authorized(HttpRequest.Builder b) {
            return b.header("Authorization", "Bearer " + token());
        }
    }

    /** A client of the public API (the gateway) sending {@code Authorization: Bearer <apiKey>} (null: no header). */
    public static KeyClient withKey(String apiKey) {
        return new KeyClient(apiKey);
    }

    /** Calls the gateway with an API key, as users and the CLI do; {@code headers} adds e.g. {@code Idempotency-Key}. */
    public record KeyClient(String apiKey) {

        public Resp call(String method, String url, Object body, String... headers) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
            if (body != null) {
                b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            if (apiKey != null) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            for (int i = 0; i + 1 < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            return send(b);
        }

        public Resp get(String url) {
            return call("GET", url, null);
        }

        public Resp post(String url, Object body, String... headers) {
            return call("POST", url, body == null ? Map.of() : body, headers);
        }

        public Resp patch(String url, Object body) {
            return call("PATCH", url, body);
        }

        public Resp delete(String url) {
            return call("DELETE", url, null);
        }
    }

    private static String json(Object body) {
        try {
            return body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every service token this JVM minted, for the secrets scan. */
    private static final List<String> TOKENS = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The service tokens this JVM has minted so far (each a bearer credential). */
    public static List<String> tokensMinted() {
        return List.copyOf(TOKENS);
    }

    /** Every response this JVM received (headers and body), for the secrets scan. */
    private static final List<String> SEEN = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The responses this JVM has received so far: status, headers and body of each. */
    public static List<String> responsesSeen() {
        return List.copyOf(SEEN);
    }

    private static Resp send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            SEEN.add(r.statusCode() + " " + r.headers().map() + "\n" + r.body());
            return new Resp(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body(), parse(r.body()), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? MissingNode.getInstance() : JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes (then fails with {@code what} and the last state). */
    public static void await(BooleanSupplier condition, Duration timeout, String what, Supplier<Object> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        Object s;
        try {
            s = state.get();
        } catch (RuntimeException e) {
            s = e.toString();
        }
        AssertionError err = new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; last: " + s);
        if (last != null) {
            err.initCause(last);
        }
        throw err;
    }
}

package dev.dmsmlflow.tracking.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.List;

/**
 * One API request: GET reads query parameters, other methods a JSON object body (falling back to
 * query parameters when the body is empty). Field access is delegated to {@link Fields}.
 */
public final class MlflowRequest {
    private final RoutingContext ctx;
    private final HttpMethod method;
    private Fields fields;

    public MlflowRequest(RoutingContext ctx) {
        this.ctx = ctx;
        this.method = null;
    }

    /** A request made in-process ({@link Routes#invoke}): these fields, this method, the headers of {@code ctx}. */
    MlflowRequest(RoutingContext ctx, HttpMethod method, Fields fields) {
        this.ctx = ctx;
        this.method = method;
        this.fields = fields;
    }

    public RoutingContext routingContext() {
        return ctx;
    }

    public HttpMethod method() {
        return method != null ? method : ctx.request().method();
    }

    /** A path parameter declared as {@code :name} in the route path. */
    public String pathParam(String name) {
        return ctx.pathParam(name);
    }

    public Fields fields() {
        if (fields == null) {
            fields = parse();
        }
        return fields;
    }

    private Fields parse() {
        HttpMethod m = method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
            checkQuery();
            return Fields.ofQuery(ctx.queryParams());
        }
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        boolean empty = body == null || body.length() == 0 || isBlank(body);
        String contentType = ctx.request().getHeader("Content-Type");
        if (m == HttpMethod.POST || m == HttpMethod.PUT) {
            if (contentType == null) {
                throw MlflowException.invalidParameter("Bad Request. Content-Type header is missing.");
            }
            String ct = contentType.split(";", 2)[0].trim();
            if (!ct.equalsIgnoreCase("application/json")) {
                throw MlflowException.invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
            }
        }
        if (empty) {
            checkQuery();
            return ctx.queryParams().isEmpty() ? Fields.empty() : Fields.ofQuery(ctx.queryParams());
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body.getBytes());
        } catch (JsonProcessingException e) {
            throw MlflowException.invalidParameter("Malformed JSON request body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw MlflowException.invalidParameter("Unreadable request body");
        }
        if (node == null || !node.isObject()) {
            throw MlflowException.invalidParameter("The request body must be a JSON object.");
        }
        checkText(node, "");
        return Fields.ofJson((ObjectNode) node);
    }

    /**
     * Text that PostgreSQL cannot store (a NUL character) or that is not Unicode (an unpaired surrogate,
     * which JSON's \\u escapes can produce) is refused before any endpoint sees it, naming the field.
     * Other control characters stay allowed: MLflow stores them (tags with terminal output, notes).
     */
    static void checkText(JsonNode node, String path) {
        if (node.isTextual()) {
            String reason = badText(node.textValue());
            if (reason != null) {
                throw MlflowException.invalidParameter("Invalid value for parameter '" + path + "': " + reason);
            }
        } else if (node.isObject()) {
            var it = node.fields();
            while (it.hasNext()) {
                var e = it.next();
                String name = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                String reason = badText(e.getKey());
                if (reason != null) {
                    throw MlflowException.invalidParameter("Invalid field name at '" + path + "': " + reason);
                }
                checkText(e.getValue(), name);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkText(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private void checkQuery() {
        for (var e : ctx.queryParams().entries()) {
            String reason = badText(e.getValue());
            if (reason == null) {
                reason = badText(e.getKey());
            }
            if (reason != null) {
                throw MlflowException.invalidParameter("Invalid value for parameter '" + e.getKey() + "': " + reason);
            }
        }
    }

    /** Why the text cannot be stored, or null. */
    public static String badText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return "must not contain a NUL character";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must be valid Unicode (an unpaired surrogate)";
            }
        }
        return null;
    }

    private static boolean isBlank(Buffer b) {
        for (int i = 0; i < b.length(); i++) {
            byte c = b.getByte(i);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    // Convenience delegates.
    public String string(String name) {
        return fields().string(name);
    }

    public String requiredString(String name) {
        return fields().requiredString(name);
    }

    public Long int64(String name) {
        return fields().int64(name);
    }

    public long int64(String name, long defaultValue) {
        return fields().int64(name, defaultValue);
    }

    public int int32(String name, int defaultValue) {
        return fields().int32(name, defaultValue);
    }

    public Double dbl(String name) {
        return fields().dbl(name);
    }

    public Boolean bool(String name) {
        return fields().bool(name);
    }

    public List<String> strings(String name) {
        return fields().strings(name);
    }

    public Fields object(String name) {
        return fields().object(name);
    }

    public List<Fields> objects(String name) {
        return fields().objects(name);
    }

    public boolean has(String name) {
        return fields().has(name);
    }
}

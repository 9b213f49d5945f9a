package dev.dmsmlflow.tracking.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Registers endpoints on the Vert.x router. {@link #post(String, Endpoint)} and friends take a path
 * under {@code mlflow/} (e.g. {@code "runs/create"}) and register it under both
 * {@code /api/2.0/mlflow/} and {@code /ajax-api/2.0/mlflow/}. Handlers run on the worker pool.
 */
public final class Routes {
    private static final Logger LOG = Logger.getLogger(Routes.class);
    public static final List<String> API_PREFIXES = List.of("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/");
    /** JSON bodies above this size are refused (log-batch upstream allows 1 MB; we allow more). */
    public static final long MAX_JSON_BODY = 64L * 1024 * 1024;

    private final Router router;
    private final BodyHandler bodyHandler;
    /** JSON endpoints by "METHOD absolute-path" (paths without parameters), for {@link #invoke}. */
    private final java.util.Map<String, Endpoint> endpoints = new java.util.concurrent.ConcurrentHashMap<>();

    Routes(Router router) {
        this.router = router;
        this.bodyHandler = BodyHandler.create(false).setBodyLimit(MAX_JSON_BODY);
    }

    /** The raw router, for routes that are not JSON endpoints (streaming artifact bodies, ...). */
    public Router router() {
        return router;
    }

    public void get(String mlflowPath, Endpoint e) {
        api(HttpMethod.GET, mlflowPath, e);
    }

    public void post(String mlflowPath, Endpoint e) {
        api(HttpMethod.POST, mlflowPath, e);
    }

    public void patch(String mlflowPath, Endpoint e) {
        api(HttpMethod.PATCH, mlflowPath, e);
    }

    public void delete(String mlflowPath, Endpoint e) {
        api(HttpMethod.DELETE, mlflowPath, e);
    }

    /** Registers {@code mlflowPath} (Vert.x syntax, {@code :id} for path params) under both API prefixes. */
    public void api(HttpMethod method, String mlflowPath, Endpoint e) {
        for (String prefix : API_PREFIXES) {
            absolute(method, prefix + mlflowPath, e);
        }
    }

    /** Registers a JSON endpoint at an absolute path. */
    public void absolute(HttpMethod method, String path, Endpoint e) {
        endpoints.put(method.name() + " " + path, e);
        Route r = router.route(method, path);
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            r.handler(bodyHandler);
        }
        r.blockingHandler(ctx -> run(ctx, e), false);
    }

    /**
     * Calls a registered JSON endpoint in-process, as if {@code fields} had been sent to it in the request
     * {@code ctx} (whose headers it sees): used by GraphQL, whose fields are the REST calls of the same name.
     * Errors come back as the {@link MlflowException} the endpoint would have answered with.
     */
    public com.fasterxml.jackson.databind.JsonNode invoke(HttpMethod method, String path, Fields fields, RoutingContext ctx) {
        Endpoint e = endpoints.get(method.name() + " " + path);
        if (e == null) {
            throw new MlflowException(ErrorCode.ENDPOINT_NOT_FOUND, "No endpoint " + method + " " + path);
        }
        try {
            JsonBody body = e.handle(new MlflowRequest(ctx, method, fields));
            com.fasterxml.jackson.databind.util.TokenBuffer buf = new com.fasterxml.jackson.databind.util.TokenBuffer(Json.MAPPER, false);
            (body == null ? JsonBody.EMPTY : body).write(buf);
            return Json.MAPPER.readTree(buf.asParser());
        } catch (MlflowException ex) {
            throw ex;
        } catch (Exception ex) {
            MlflowException mapped = fromDatabase(ex);
            if (mapped != null) {
                throw mapped;
            }
            LOG.errorf(ex, "Internal error on in-process %s %s", method, path);
            throw new MlflowException(ErrorCode.INTERNAL_ERROR, "Internal error");
        }
    }

    static void run(RoutingContext ctx, Endpoint e) {
        JsonBody body;
        try {
            body = e.handle(new MlflowRequest(ctx));
        } catch (MlflowException ex) {
            sendError(ctx, ex);
            return;
        } catch (Exception ex) {
            MlflowException mapped = fromDatabase(ex);
            if (mapped != null) {
                sendError(ctx, mapped);
                return;
            }
            LOG.errorf(ex, "Internal error on %s %s", ctx.request().method(), ctx.request().path());
            sendError(ctx, new MlflowException(ErrorCode.INTERNAL_ERROR, "Internal error"));
            return;
        }
        send(ctx, 200, body == null ? JsonBody.EMPTY : body);
    }

    /**
     * Safety net, and the one place a database error becomes an answer: input the endpoint did not
     * validate but PostgreSQL refused (NUL characters, values too long, out-of-range numbers, constraint
     * violations) is the client's error, never a 500. The answer says what kind of value was wrong and
     * never carries the driver's message (which quotes the SQL statement and its values).
     */
    public static MlflowException fromDatabase(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException se && se.getSQLState() != null) {
                String state = se.getSQLState();
                if (state.equals("23505")) {
                    return new MlflowException(ErrorCode.RESOURCE_ALREADY_EXISTS, "Resource already exists.");
                }
                if (state.startsWith("22") || state.startsWith("23")) {
                    LOG.debugf("Refused by the database (%s)", state);
                    return MlflowException.invalidParameter(describe(state));
                }
                return null;
            }
        }
        return null;
    }

    private static String describe(String sqlState) {
        return switch (sqlState) {
            case "22021", "22P05" -> "Invalid value in request: text contains a NUL character or is not valid UTF-8.";
            case "22001" -> "Invalid value in request: a value is too long.";
            case "22003" -> "Invalid value in request: a number is out of range.";
            case "23503" -> "Invalid value in request: it refers to something that does not exist.";
            case "23502" -> "Invalid value in request: a required value is missing.";
            default -> sqlState.startsWith("23") ? "Invalid value in request: it conflicts with existing data."
                    : "Invalid value in request.";
        };
    }

    public static void sendError(RoutingContext ctx, MlflowException ex) {
        send(ctx, ex.errorCode().httpStatus(), g -> {
            g.writeStartObject();
            g.writeStringField("error_code", ex.errorCode().name());
            g.writeStringField("message", ex.getMessage() == null ? "" : ex.getMessage());
            g.writeEndObject();
        });
    }

    public static void send(RoutingContext ctx, int status, JsonBody body) {
        if (ctx.response().ended()) {
            return;
        }
        Buffer buf = Buffer.buffer(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(new BufferOutputStream(buf))) {
            body.write(g);
        } catch (Exception ex) {
            LOG.error("Could not write response", ex);
            status = 500;
            buf = Buffer.buffer("{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"Could not write the response\"}");
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(buf);
    }

    /** Appends to a Vert.x buffer without an intermediate byte array copy per write. */
    private static final class BufferOutputStream extends java.io.OutputStream {
        private final Buffer buf;

        BufferOutputStream(Buffer buf) {
            this.buf = buf;
        }

        @Override
        public void write(int b) {
            buf.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buf.appendBytes(b, off, len);
        }
    }
}

package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.provider.ServiceClient;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Forwards an admitted call to a service and hands its answer back unchanged (status, body, problem+json included),
 * except the {@code Location} header, which becomes the public path.
 */
@ApplicationScoped
public class Forwarder {

    private final ServiceClient client;
    private final ObjectMapper mapper;

    Forwarder(ServiceClient client, ObjectMapper mapper) {
        this.client = client;
        this.mapper = mapper;
    }

    public Uni<Response> forward(CallContext call, ServiceClient.Service service, HttpMethod method, String pathAndQuery,
                                 Object body, String idempotencyKey) {
        return send(call, service, method, pathAndQuery, body, idempotencyKey, Function.identity());
    }

    /** Like {@link #forward}, with a 2xx answer turned into another response by {@code onSuccess}. */
    public Uni<Response> send(CallContext call, ServiceClient.Service service, HttpMethod method, String pathAndQuery,
                              Object body, String idempotencyKey, Function<Response, Response> onSuccess) {
        return send(call, call.self().access(), service, method, pathAndQuery, body, idempotencyKey, onSuccess);
    }

    /**
     * Like {@link #send}, acting as {@code access} rather than the caller's own admission: for a call the gateway itself
     * decided the caller may make although their role alone would not (a viewer revoking their own browser token).
     */
    public Uni<Response> send(CallContext call, Access access, ServiceClient.Service service, HttpMethod method, String pathAndQuery,
                              Object body, String idempotencyKey, Function<Response, Response> onSuccess) {
        CallContext ctx = call.self();
        Buffer json = body == null ? null : Buffer.buffer(bytes(body));
        return client.send(service, method, pathAndQuery, access, ctx.requestId(), idempotencyKey, json).map(answer -> {
            Response.ResponseBuilder b = Response.status(answer.status());
            String type = answer.header("Content-Type");
            if (answer.body().length() > 0) {
                b.entity(answer.body().getBytes());
                if (type != null) {
                    b.type(type);
                }
            }
            String location = answer.header("Location");
            if (location != null) {
                String publicLocation = publicLocation(location, access.workspaceId());
                b.header("Location", publicLocation);
                ctx.created(null, publicLocation.substring(publicLocation.lastIndexOf('/') + 1));
            }
            copy(answer, b, "Retry-After");
            copy(answer, b, IdempotentCalls.REPLAYED);
            Response r = b.build();
            return answer.status() / 100 == 2 ? onSuccess.apply(r) : r;
        });
    }

    /**
     * Passes a request through to a service unchanged (any body type), answering its status, body and the headers in
     * {@code passed}: for a notebook session's Jupyter server, whose answers are HTML, scripts and JSON alike.
     */
    public Uni<Response> passThrough(CallContext call, ServiceClient.Service service, HttpMethod method, String pathAndQuery,
                                     byte[] body, String contentType, String accept, java.util.Set<String> passed) {
        CallContext ctx = call.self();
        Buffer b = body == null || body.length == 0 ? null : Buffer.buffer(body);
        return client.send(service, method, pathAndQuery, ctx.access(), ctx.requestId(), null, b, contentType, accept).map(answer -> {
            Response.ResponseBuilder r = Response.status(answer.status());
            if (answer.body().length() > 0) {
                r.entity(answer.body().getBytes());
            }
            for (String name : passed) {
                String v = answer.header(name);
                if (v != null) {
                    r.header(name, v);
                }
            }
            return r.build();
        });
    }

    /** A service's path as the public API names it: {@code /instances/x} → {@code /api/v1/workspaces/{ws}/instances/x}. */
    static String publicLocation(String location, String workspaceId) {
        String path = location;
        if (location.startsWith("http://") || location.startsWith("https://")) {
            URI u = URI.create(location);
            path = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        }
        String base = "/api/v1/workspaces/" + workspaceId;
        if (path.startsWith("/instances")) {
            return base + path;
        }
        if (path.startsWith("/sessions")) {
            return base + "/notebook-sessions" + path.substring("/sessions".length());
        }
        if (path.startsWith("/networks/")) {
            return base + "/instances/" + path.substring("/networks/".length());
        }
        return path;
    }

    /** Encodes one query parameter ({@code &name=value}), or nothing when the value is null. */
    static String param(String name, Object value) {
        return value == null ? "" : "&" + name + "=" + URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8);
    }

    /** {@code path?a=1&b=2} from {@code path} and {@link #param} parts. */
    static String withQuery(String path, String params) {
        return params.isEmpty() ? path : path + "?" + params.substring(1);
    }

    private static void copy(ServiceClient.Answer answer, Response.ResponseBuilder b, String header) {
        String v = answer.header(header);
        if (v != null) {
            b.header(header, v);
        }
    }

    byte[] bytes(Object body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectMapper mapper() {
        return mapper;
    }
}

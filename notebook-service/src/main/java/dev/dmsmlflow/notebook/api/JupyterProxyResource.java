package dev.dmsmlflow.notebook.api;

import dev.dmsmlflow.notebook.application.SessionService;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

/**
 * The session's Jupyter server (REST API, JupyterLab's pages and files) for callers of the gateway: the request goes to
 * the server on 127.0.0.1 with the server's token added here, so the token never leaves this service. Jupyter access is
 * code execution: it needs the editor role. The caller's own credentials and cookies are not passed on.
 */
@Path("/sessions/{id}/jupyter")
public class JupyterProxyResource {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Set<String> PASSED_REQUEST_HEADERS = Set.of("content-type", "accept", "accept-language", "if-none-match",
            "if-modified-since", "x-request-id");
    private static final Set<String> PASSED_RESPONSE_HEADERS = Set.of("content-type", "etag", "last-modified", "cache-control",
            "location", "content-disposition");

    private final SessionService service;
    private final NotebookRuntime runtime;
    private final Caller caller;

    JupyterProxyResource(SessionService service, NotebookRuntime runtime, Caller caller) {
        this.service = service;
        this.runtime = runtime;
        this.caller = caller;
    }

    @GET
    @Path("{path: .*}")
    @Operation(hidden = true)
    public Response get(@PathParam("id") String id, @PathParam("path") String path, @Context UriInfo uri, @Context HttpHeaders headers) {
        return forward("GET", id, path, uri, headers, null);
    }

    @POST
    @Path("{path: .*}")
    @Consumes("*/*")
    @Operation(hidden = true)
    public Response post(@PathParam("id") String id, @PathParam("path") String path, @Context UriInfo uri, @Context HttpHeaders headers,
                         byte[] body) {
        return forward("POST", id, path, uri, headers, body);
    }

    @PUT
    @Path("{path: .*}")
    @Consumes("*/*")
    @Operation(hidden = true)
    public Response put(@PathParam("id") String id, @PathParam("path") String path, @Context UriInfo uri, @Context HttpHeaders headers,
                        byte[] body) {
        return forward("PUT", id, path, uri, headers, body);
    }

    @PATCH
    @Path("{path: .*}")
    @Consumes("*/*")
    @Operation(hidden = true)
    public Response patch(@PathParam("id") String id, @PathParam("path") String path, @Context UriInfo uri, @Context HttpHeaders headers,
                          byte[] body) {
        return forward("PATCH", id, path, uri, headers, body);
    }

    @DELETE
    @Path("{path: .*}")
    @Operation(hidden = true)
    public Response delete(@PathParam("id") String id, @PathParam("path") String path, @Context UriInfo uri, @Context HttpHeaders headers) {
        return forward("DELETE", id, path, uri, headers, null);
    }

    /**
     * The path must stay under the session's server: no {@code ..}, and no leading slash or scheme, which would make
     * {@link URI#resolve} leave the server's base path or even its host (and carry the server's token elsewhere).
     */
    static void requireRelative(String path) {
        boolean schemeOrHost = path.indexOf(':') >= 0 && path.indexOf(':') < firstSlash(path);
        if (path.contains("..") || path.startsWith("/") || path.contains("\\") || schemeOrHost) {
            throw ProblemException.invalidField("path", "The path must be relative to the session's JupyterLab (no '..', no leading"
                    + " '/', no scheme).");
        }
    }

    private static int firstSlash(String path) {
        int at = path.indexOf('/');
        return at < 0 ? path.length() : at;
    }

    /** The request's target on the session's server; refuses (400, field {@code path}) anything that resolves elsewhere. */
    static URI target(URI base, String path, String rawQuery) {
        requireRelative(path);
        URI target;
        try {
            target = base.resolve(new URI(null, null, path, null).getRawPath() + (rawQuery == null ? "" : "?" + rawQuery));
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw ProblemException.invalidField("path", "The path is not a valid URI path.");
        }
        if (!base.getScheme().equals(target.getScheme()) || !base.getHost().equals(target.getHost()) || base.getPort() != target.getPort()
                || target.getRawPath() == null || !target.getRawPath().startsWith(base.getRawPath())) {
            throw ProblemException.invalidField("path", "The path must stay under the session's JupyterLab.");
        }
        return target;
    }

    private Response forward(String method, String id, String path, UriInfo uri, HttpHeaders headers, byte[] body) {
        SessionEntity s = service.get(caller.workspaceId(), id);
        caller.requireRole(Role.EDITOR);
        requireRelative(path);
        if (s.status != SessionStatus.RUNNING) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409,
                    "The session is " + s.status + ": its JupyterLab answers only while it is RUNNING.", null).withCode("SESSION_" + s.status));
        }
        NotebookRuntime.Endpoint endpoint = runtime.endpoint(id).orElseThrow(() -> new ProblemException(Problem.of(
                "service-unavailable", "Service unavailable", 503, "The session's JupyterLab is not reachable right now.", null)));
        URI target = target(endpoint.baseUri(), path, uri.getRequestUri().getRawQuery());
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(5))
                .header("Authorization", "token " + endpoint.token());
        headers.getRequestHeaders().forEach((name, values) -> {
            if (PASSED_REQUEST_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(v -> b.header(name, v));
            }
        });
        b.method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> answer;
        try {
            answer = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503,
                    "The session's JupyterLab did not answer.", null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503, "Interrupted.", null));
        }
        Response.ResponseBuilder r = Response.status(answer.statusCode());
        answer.headers().map().forEach((name, values) -> {
            if (PASSED_RESPONSE_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(v -> r.header(name, v));
            }
        });
        byte[] answered = answer.body();
        String type = answer.headers().firstValue("content-type").orElse("");
        if (answered.length > 0 && (type.startsWith("text/html") || type.startsWith("application/json"))) {
            answered = withoutToken(answered, endpoint.token());
        }
        if (answered.length > 0) {
            r.entity(answered);
        }
        return r.build();
    }

    /**
     * JupyterLab writes the server's token into its page's config (for a browser talking to it directly); the caller's
     * page must not carry it: every occurrence becomes empty, so the page sends no token and the gateway's own
     * credential is what counts.
     */
    static byte[] withoutToken(byte[] body, String token) {
        if (token == null || token.isEmpty()) {
            return body;
        }
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        if (!text.contains(token)) {
            return body;
        }
        return text.replace(token, "").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}

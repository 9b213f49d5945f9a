package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.gateway.application.Blocking;
import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.application.JupyterLinks;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.JupyterPass;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient;
import dev.dmsmlflow.platform.problem.Problem;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * Opening a session's JupyterLab in a browser tab, which sends no {@code Authorization} header: an editor asks for a
 * one-time link (valid a minute); opening it trades the code for the session's {@code dms_jupyter} cookie and redirects
 * to JupyterLab. The cookie is HttpOnly, SameSite=Strict, limited to the session's {@code /jupyter/} path and accepted
 * nowhere else ({@link AccessFilters}).
 */
@Path("/api/v1/workspaces/{ws}/notebook-sessions/{id}")
@Tag(name = "notebook-sessions")
public class NotebookJupyterLinkResource {

    private final CallContext call;
    private final ServiceClient client;
    private final IdempotentCalls idempotent;
    private final JupyterLinks links;
    private final Blocking blocking;
    private final ObjectMapper mapper;
    private final Cookies cookies;

    NotebookJupyterLinkResource(CallContext call, ServiceClient client, IdempotentCalls idempotent, JupyterLinks links, Blocking blocking,
                                ObjectMapper mapper, Cookies cookies) {
        this.cookies = cookies;
        this.call = call;
        this.client = client;
        this.idempotent = idempotent;
        this.links = links;
        this.blocking = blocking;
        this.mapper = mapper;
    }

    @POST
    @Path("/jupyter-link")
    @Produces(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.jupyter-link", resource = "notebook-session", idParam = "id")
    @Operation(operationId = "createNotebookJupyterLink", summary = "A one-time link that opens the RUNNING session's JupyterLab in a browser",
            description = "The link works once, within a minute, without an Authorization header: it sets an HttpOnly, SameSite=Strict"
                    + " cookie limited to this session's /jupyter/ path (valid 8 h, never beyond the API key's expiry) and redirects"
                    + " to JupyterLab. A session that is not RUNNING is 409.")
    @APIResponse(responseCode = "201", description = "The link (shown once)", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JupyterLinkView.class)))
    public Uni<Response> create(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                @Context UriInfo uri) {
        CallContext ctx = call.self();
        Access access = ctx.access();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), null,
                () -> client.send(ServiceClient.Service.NOTEBOOK, HttpMethod.GET, "/sessions/" + id, access, ctx.requestId(), null, null)
                        .flatMap(answer -> {
                            if (answer.status() != 200) {
                                Response.ResponseBuilder r = Response.status(answer.status());
                                if (answer.body().length() > 0) {
                                    r.entity(answer.body().getBytes()).type(answer.header("Content-Type"));
                                }
                                return Uni.createFrom().item(r.build());
                            }
                            String status = status(answer.body().getBytes());
                            if (!"RUNNING".equals(status)) {
                                return Uni.createFrom().item(AccessFilters.problem(Problem.of("conflict", "Conflict with current state", 409,
                                        "The session is " + status + ": its JupyterLab opens only while it is RUNNING.", null)
                                        .withCode("SESSION_" + status)));
                            }
                            return blocking.call(() -> links.issue(access, id)).map(issued -> Response.status(201)
                                    .type(MediaType.APPLICATION_JSON).header("Cache-Control", "no-store")
                                    .entity(new JupyterLinkView(id, signInPath(ws, id) + "?code=" + issued.code(), issued.expiresAt()))
                                    .build());
                        }));
    }

    @GET
    @Path("/jupyter-sign-in")
    @WithoutApiKey
    @Operation(hidden = true)
    public Uni<Response> signIn(@PathParam("ws") String ws, @PathParam("id") String id, @QueryParam("code") String code,
                                @Context UriInfo uri) {
        if (!Ids.isWorkspaceId(ws) || id == null || !id.matches(Patterns.RESOURCE_ID)) {
            return Uni.createFrom().item(refused(401, "The sign-in link is not valid.", "JUPYTER_LINK_INVALID"));
        }
        URI requestUri = uri.getRequestUri();
        return blocking.call(() -> links.redeem(code, ws, id)).map(r -> {
            if (r.pass() == null) {
                return switch (r.refusal()) {
                    case UNKNOWN_OR_USED -> refused(401, "The sign-in link is not valid or was already used; ask for a new one.", "JUPYTER_LINK_INVALID");
                    case EXPIRED -> refused(401, "The sign-in link expired; ask for a new one.", "JUPYTER_LINK_EXPIRED");
                    case KEY_NOT_VALID -> refused(401, "The API key that asked for the link is no longer valid.", "INVALID_API_KEY");
                    case ROLE -> refused(403, "Opening JupyterLab needs the editor role in workspace '" + ws + "'.", "ROLE_EDITOR");
                };
            }
            JupyterPass pass = r.pass();
            String path = JupyterPass.jupyterPath(ws, id);
            long maxAge = Math.max(1, Duration.between(Instant.now(), pass.expiresAt()).getSeconds());
            String cookie = cookies.set(JupyterPass.COOKIE, links.seal(pass), path, maxAge, "Strict", requestUri);
            return Response.status(303).location(URI.create(path + "lab")).header("Set-Cookie", cookie)
                    .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
        });
    }

    static String signInPath(String ws, String id) {
        return "/api/v1/workspaces/" + ws + "/notebook-sessions/" + id + "/jupyter-sign-in";
    }

    private String status(byte[] session) {
        try {
            JsonNode n = mapper.readTree(session);
            return n.path("status").asText("UNKNOWN");
        } catch (IOException e) {
            return "UNKNOWN";
        }
    }

    private static Response refused(int status, String detail, String code) {
        Response.ResponseBuilder b = Response.status(status).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                .entity(Problem.of(status == 401 ? "unauthorized" : "forbidden", status == 401 ? "Unauthorized" : "Forbidden", status,
                        detail, status == 401 ? "code" : null).withCode(code));
        return b.build();
    }
}

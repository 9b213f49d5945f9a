package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.Set;

/**
 * A running session's JupyterLab (its REST API, pages and files) under the public path its server was started with,
 * for callers with the editor role (Jupyter access runs code), by API key or by the session's JupyterLab cookie. notebook-service adds the server's own token, which never
 * leaves it. Not in the OpenAPI document: it is Jupyter's API, passed through. Mutating calls are audited.
 */
@Path("/api/v1/workspaces/{ws}/notebook-sessions/{id}/jupyter")
@AcceptsJupyterPass
public class NotebookJupyterResource {

    private static final Set<String> PASSED = Set.of("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Location",
            "Content-Disposition");

    private final CallContext call;
    private final Forwarder forwarder;

    NotebookJupyterResource(CallContext call, Forwarder forwarder) {
        this.call = call;
        this.forwarder = forwarder;
    }

    @GET
    @Path("{path: .*}")
    @InWorkspace(Role.EDITOR)
    @Operation(hidden = true)
    public Uni<Response> get(@PathParam("ws") String ws, @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                             @PathParam("path") String path, @Context UriInfo uri, @HeaderParam("Accept") String accept) {
        return pass(HttpMethod.GET, id, path, uri, null, null, accept);
    }

    @POST
    @Path("{path: .*}")
    @Consumes("*/*")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.jupyter", resource = "notebook-session", idParam = "id")
    @Operation(hidden = true)
    public Uni<Response> post(@PathParam("ws") String ws, @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                              @PathParam("path") String path, @Context UriInfo uri, @HeaderParam("Content-Type") String type,
                              @HeaderParam("Accept") String accept, byte[] body) {
        return pass(HttpMethod.POST, id, path, uri, body, type, accept);
    }

    @PUT
    @Path("{path: .*}")
    @Consumes("*/*")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.jupyter", resource = "notebook-session", idParam = "id")
    @Operation(hidden = true)
    public Uni<Response> put(@PathParam("ws") String ws, @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                             @PathParam("path") String path, @Context UriInfo uri, @HeaderParam("Content-Type") String type,
                             @HeaderParam("Accept") String accept, byte[] body) {
        return pass(HttpMethod.PUT, id, path, uri, body, type, accept);
    }

    @PATCH
    @Path("{path: .*}")
    @Consumes("*/*")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.jupyter", resource = "notebook-session", idParam = "id")
    @Operation(hidden = true)
    public Uni<Response> patch(@PathParam("ws") String ws, @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                               @PathParam("path") String path, @Context UriInfo uri, @HeaderParam("Content-Type") String type,
                               @HeaderParam("Accept") String accept, byte[] body) {
        return pass(HttpMethod.PATCH, id, path, uri, body, type, accept);
    }

    @DELETE
    @Path("{path: .*}")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "notebook.jupyter", resource = "notebook-session", idParam = "id")
    @Operation(hidden = true)
    public Uni<Response> delete(@PathParam("ws") String ws, @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                @PathParam("path") String path, @Context UriInfo uri, @HeaderParam("Accept") String accept) {
        return pass(HttpMethod.DELETE, id, path, uri, null, null, accept);
    }

    private Uni<Response> pass(HttpMethod method, String id, String path, UriInfo uri, byte[] body, String type, String accept) {
        String rawPath = uri.getRequestUri().getRawPath();
        String marker = "/jupyter/";
        int at = rawPath.indexOf(marker);
        String rest = at < 0 ? "" : rawPath.substring(at + marker.length());
        String query = uri.getRequestUri().getRawQuery();
        return forwarder.passThrough(call, Service.NOTEBOOK, method, "/sessions/" + id + "/jupyter/" + rest + (query == null ? "" : "?" + query),
                body, type, accept, PASSED);
    }
}

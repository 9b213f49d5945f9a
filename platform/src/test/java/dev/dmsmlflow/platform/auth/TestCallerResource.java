package dev.dmsmlflow.platform.auth;

import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import java.util.Map;

/** A resource used only by tests: shows what {@link Caller} exposes and exercises its checks. */
@Path("/test/caller")
@Authenticated
public class TestCallerResource {

    @Inject
    Caller caller;

    @GET
    public Map<String, String> whoami() {
        return Map.of("principal", caller.principal(), "workspaceId", caller.workspaceId(), "role", caller.role().claim(),
                "bearerToken", caller.bearerToken());
    }

    @POST
    @Path("/edit")
    public void edit() {
        caller.requireRole(Role.EDITOR);
    }

    @GET
    @Path("/things/{workspace}")
    public Map<String, String> thingOf(@PathParam("workspace") String workspace) {
        caller.requireWorkspace(workspace, "Thing t-1 does not exist.");
        return Map.of("workspaceId", workspace);
    }
}

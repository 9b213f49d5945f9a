package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Idempotency;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.gateway.application.BrowserTokens;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
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
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * MLflow instances of a workspace, forwarded to instance-service (lifecycle, usage) and network-service (VPC address,
 * ACL, diagnosis) with the service token. Non-blocking: nothing here waits on a thread.
 */
@Path("/api/v1/workspaces/{ws}/instances")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "instances")
public class InstanceResource {

    private static final Set<String> STATUSES = Set.of("CREATING", "RUNNING", "CREATE_FAILED", "UPDATING", "REDEPLOYING",
            "STOPPING", "STOPPED", "STARTING", "RELEASING", "RELEASED", "RELEASE_FAILED");

    private final CallContext call;
    private final Forwarder forwarder;
    private final IdempotentCalls idempotent;

    InstanceResource(CallContext call, Forwarder forwarder, IdempotentCalls idempotent) {
        this.call = call;
        this.forwarder = forwarder;
        this.idempotent = idempotent;
    }

    @GET
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listInstances", summary = "The workspace's instances")
    @APIResponse(responseCode = "200", description = "A page of instances", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.InstancePage.class)))
    public Uni<Response> list(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                              @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                              @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken,
                              @QueryParam("status") @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"CREATING", "RUNNING",
                                      "CREATE_FAILED", "UPDATING", "REDEPLOYING", "STOPPING", "STOPPED", "STARTING", "RELEASING", "RELEASED",
                                      "RELEASE_FAILED"})) String status) {
        int size = Paging.size(pageSize);
        String token = Paging.checkToken(pageToken);
        if (status != null && !status.isEmpty() && !STATUSES.contains(status)) {
            throw ProblemException.invalidField("status", "status must be one of " + STATUSES + ".");
        }
        String query = Forwarder.param("pageSize", size) + Forwarder.param("pageToken", token)
                + Forwarder.param("status", status == null || status.isEmpty() ? null : status);
        return forwarder.forward(call, Service.INSTANCE, HttpMethod.GET, Forwarder.withQuery("/instances", query), null, null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "instance.create", resource = "instance")
    @Operation(operationId = "createInstance", summary = "Create an MLflow instance; it provisions in the background (status CREATING)")
    @APIResponse(responseCode = "201", description = "The instance, status CREATING; Location names it", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> create(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                @NotNull @Valid CreateInstanceRequest body, @Context UriInfo uri) {
        CallContext ctx = call.self();
        String downstreamKey = IdempotentCalls.downstreamKey(ctx.caller(), idempotencyKey);
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), body,
                () -> forwarder.forward(ctx, Service.INSTANCE, HttpMethod.POST, "/instances", body, downstreamKey));
    }

    @GET
    @Path("/{id}")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getInstance", summary = "An instance")
    @APIResponse(responseCode = "200", description = "The instance", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> get(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                             @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id) {
        return forwarder.forward(call, Service.INSTANCE, HttpMethod.GET, "/instances/" + id, null, null)
                .flatMap(r -> r.getStatus() == 200 ? withAclFlag(id, r) : Uni.createFrom().item(r));
    }

    /**
     * The instance with {@code aclAllowsAll} from its network (true while an ACL entry admits every address: a wide-open
     * load balancer shows where users look) and {@code backendHealth} (the load balancer's health check of the tracking
     * server). The instance is shown unchanged when network-service has no answer.
     */
    private Uni<Response> withAclFlag(String id, Response instance) {
        return forwarder.forward(call, Service.NETWORK, HttpMethod.GET, "/networks/" + id, null, null).map(network -> {
            if (network.getStatus() != 200) {
                return instance;
            }
            try {
                JsonNode n = forwarder.mapper().readTree((byte[]) network.getEntity());
                JsonNode view = forwarder.mapper().readTree((byte[]) instance.getEntity());
                if (!view.isObject() || !n.hasNonNull("aclAllowsAll")) {
                    return instance;
                }
                com.fasterxml.jackson.databind.node.ObjectNode merged = (com.fasterxml.jackson.databind.node.ObjectNode) view;
                merged.put("aclAllowsAll", n.get("aclAllowsAll").asBoolean());
                if (n.path("backendHealth").isObject()) {
                    merged.set("backendHealth", n.get("backendHealth"));
                }
                return Response.ok(forwarder.mapper().writeValueAsBytes(view), MediaType.APPLICATION_JSON).build();
            } catch (IOException | RuntimeException e) {
                return instance;
            }
        }).onFailure().recoverWithItem(instance);
    }

    @PATCH
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @InWorkspace(Role.EDITOR)
    @Audited(action = "instance.update", resource = "instance", idParam = "id")
    @Operation(operationId = "updateInstance", summary = "Edit an instance's name, description, authentication mode or spec (a rolling resize)",
            description = "A spec change of a RUNNING instance answers at once with status UPDATING and pendingSpec; the data is kept."
                    + " The artifact root (ossBucket, ossPath) cannot be changed.")
    @APIResponse(responseCode = "200", description = "The instance", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> update(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                @NotNull @Valid UpdateInstanceRequest body) {
        return forwarder.forward(call, Service.INSTANCE, HttpMethod.PATCH, "/instances/" + id, body, null);
    }

    @POST
    @Path("/{id}/release")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "instance.release", resource = "instance", idParam = "id")
    @Operation(operationId = "releaseInstance", summary = "Release an instance: its network, tracking server and database are destroyed",
            description = "Accepted in every status but RELEASING and RELEASED (those answer as they are): a CREATING instance's create"
                    + " is cancelled, and whatever its provisioning made so far is removed.")
    @APIResponse(responseCode = "202", description = "Accepted: the instance, status RELEASING", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> release(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                 @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                 @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Context UriInfo uri) {
        return lifecycle(id, "release", null, idempotencyKey, uri);
    }

    @POST
    @Path("/{id}/redeploy")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "instance.redeploy", resource = "instance", idParam = "id")
    @Operation(operationId = "redeployInstance", summary = "Redeploy an instance's tracking server (optionally another version)")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RedeployRequest.class)))
    @APIResponse(responseCode = "202", description = "Accepted: the instance, status REDEPLOYING", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> redeploy(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                  @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                  @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Valid RedeployRequest body,
                                  @Context UriInfo uri) {
        return lifecycle(id, "redeploy", body == null ? new RedeployRequest(null) : body, idempotencyKey, uri);
    }

    @POST
    @Path("/{id}/stop")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "instance.stop", resource = "instance", idParam = "id")
    @Operation(operationId = "stopInstance", summary = "Stop an instance's tracking server (metering stops)")
    @APIResponse(responseCode = "202", description = "Accepted: the instance, status STOPPING", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> stop(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                              @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                              @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Context UriInfo uri) {
        return lifecycle(id, "stop", null, idempotencyKey, uri);
    }

    @POST
    @Path("/{id}/start")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "instance.start", resource = "instance", idParam = "id")
    @Operation(operationId = "startInstance", summary = "Start a stopped instance")
    @APIResponse(responseCode = "202", description = "Accepted: the instance, status STARTING", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.Instance.class)))
    public Uni<Response> start(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                               @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey, @Context UriInfo uri) {
        return lifecycle(id, "start", null, idempotencyKey, uri);
    }

    @GET
    @Path("/{id}/usage")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listInstanceUsage", summary = "Metered usage of an instance")
    @APIResponse(responseCode = "200", description = "A page of usage windows", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.UsagePage.class)))
    public Uni<Response> usage(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                               @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                               @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        String query = Forwarder.param("pageSize", Paging.size(pageSize)) + Forwarder.param("pageToken", Paging.checkToken(pageToken));
        return forwarder.forward(call, Service.INSTANCE, HttpMethod.GET, Forwarder.withQuery("/instances/" + id + "/usage", query), null, null);
    }

    @GET
    @Path("/{id}/vpc-address")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getInstanceVpcAddress", summary = "The address clients in the VPC use to reach the instance")
    @APIResponse(responseCode = "200", description = "The VPC address", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = VpcAddressView.class)))
    public Uni<Response> vpcAddress(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                    @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id) {
        return forwarder.send(call, Service.NETWORK, HttpMethod.GET, "/networks/" + id, null, null, r -> {
            try {
                JsonNode n = forwarder.mapper().readTree((byte[]) r.getEntity());
                String status = text(n, "status");
                // a released network's address and port are gone (the port may serve another instance later): none shown
                boolean released = "RELEASED".equals(status);
                VpcAddressView view = VpcAddressView.of(id, status, released ? null : text(n, "vpcAddress"),
                        !released && n.hasNonNull("vpcPort") && n.get("vpcPort").canConvertToInt() ? n.get("vpcPort").asInt() : null);
                return Response.ok(view, MediaType.APPLICATION_JSON).build();
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("network-service answered an unreadable network for " + id, e);
            }
        });
    }

    @GET
    @Path("/{id}/acl/entries")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listAclEntries", summary = "The instance's ACL entries (sources admitted to its load balancer)")
    @APIResponse(responseCode = "200", description = "A page of ACL entries", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.AclEntryPage.class)))
    public Uni<Response> aclEntries(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                    @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                    @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                                    @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        String query = Forwarder.param("pageSize", Paging.size(pageSize)) + Forwarder.param("pageToken", Paging.checkToken(pageToken));
        return forwarder.forward(call, Service.NETWORK, HttpMethod.GET, Forwarder.withQuery("/networks/" + id + "/acl/entries", query), null, null);
    }

    @POST
    @Path("/{id}/acl/entries")
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "acl.add", resource = "instance", idParam = "id")
    @Operation(operationId = "addAclEntries", summary = "Admit sources: one entry (cidr) or several (entries)")
    @APIResponse(responseCode = "200", description = "The ACL after the change", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.AclChange.class)))
    public Uni<Response> addAclEntries(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                       @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                       @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                       @NotNull @Valid AclEntriesRequest body, @Context UriInfo uri) {
        CallContext ctx = call.self();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), body,
                () -> forwarder.forward(ctx, Service.NETWORK, HttpMethod.POST, "/networks/" + id + "/acl/entries", body, null));
    }

    @DELETE
    @Path("/{id}/acl/entries")
    @InWorkspace(Role.EDITOR)
    @Audited(action = "acl.remove", resource = "instance", idParam = "id")
    @Operation(operationId = "removeAclEntries", summary = "Stop admitting sources: the entries named by the cidr parameters")
    @APIResponse(responseCode = "200", description = "The ACL after the change", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.AclChange.class)))
    public Uni<Response> removeAclEntries(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                          @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                          @QueryParam("cidr") @NotNull @Size(min = 1, max = 1000)
                                          @Parameter(required = true, description = "An entry to remove; repeat for several.")
                                          List<@Pattern(regexp = Patterns.CIDR) String> cidrs) {
        StringBuilder query = new StringBuilder();
        cidrs.forEach(c -> query.append(Forwarder.param("cidr", c)));
        return forwarder.forward(call, Service.NETWORK, HttpMethod.DELETE, Forwarder.withQuery("/networks/" + id + "/acl/entries", query.toString()), null, null);
    }

    @GET
    @Path("/{id}/diagnose")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "diagnoseInstance", summary = "Would a client at this source address reach the instance? Layer by layer")
    @APIResponse(responseCode = "200", description = "The diagnosis", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.Diagnosis.class)))
    public Uni<Response> diagnose(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                  @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                  @QueryParam("source") @NotNull @Pattern(regexp = "^[0-9A-Fa-f.:]{2,45}$")
                                  @Parameter(required = true, description = "The client's IP address.") String source) {
        return forwarder.forward(call, Service.NETWORK, HttpMethod.GET,
                Forwarder.withQuery("/networks/" + id + "/diagnose", Forwarder.param("source", source)), null, null);
    }

    @GET
    @Path("/{id}/tokens")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listTokens", summary = "The instance's MLflow access tokens (never the tokens themselves)",
            description = "Editors and owners see every token; a viewer sees the browser sign-in tokens they made themselves"
                    + " (kind browser, createdBy them). Expired browser tokens are left out for everyone.")
    @APIResponse(responseCode = "200", description = "The tokens, revoked ones and expired API tokens included", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ServiceDocs.TokenList.class)))
    public Uni<Response> tokens(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id) {
        CallContext ctx = call.self();
        Access access = ctx.access();
        boolean manager = access.role().includes(Role.EDITOR);
        return forwarder.send(ctx, asEditor(access), Service.NETWORK, HttpMethod.GET, "/networks/" + id + "/tokens", null, null, r -> {
            java.time.Instant now = java.time.Instant.now();
            ObjectNode visible = forwarder.mapper().createObjectNode();
            var items = visible.putArray("items");
            for (JsonNode t : readJson(r, id).path("items")) {
                if (BrowserTokens.browser(t) && BrowserTokens.expired(t, now)) {
                    continue;
                }
                if (manager || (BrowserTokens.browser(t) && access.memberId().equals(t.path("createdBy").asText()))) {
                    items.add(t);
                }
            }
            return Response.ok(visible, MediaType.APPLICATION_JSON).build();
        });
    }

    @POST
    @Path("/{id}/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "token.create", resource = "instance", idParam = "id")
    @Operation(operationId = "createToken", summary = "A new MLflow access token for the instance, shown once")
    @APIResponse(responseCode = "201", description = "The token: 'token' is its only appearance (a replay leaves it out)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServiceDocs.Token.class)))
    public Uni<Response> createToken(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                     @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                     @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                     @NotNull @Valid CreateTokenRequest body, @Context UriInfo uri) {
        CallContext ctx = call.self();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), body,
                () -> forwarder.send(ctx, Service.NETWORK, HttpMethod.POST, "/networks/" + id + "/tokens", body, null, r -> {
                    try {
                        JsonNode token = forwarder.mapper().readTree((byte[]) r.getEntity());
                        return Response.status(r.getStatus()).entity(new NewToken(token)).type(MediaType.APPLICATION_JSON).build();
                    } catch (IOException e) {
                        throw new IllegalStateException("network-service answered an unreadable token for " + id, e);
                    }
                }));
    }

    @DELETE
    @Path("/{id}/tokens/{tokenId}")
    @InWorkspace(Role.VIEWER)
    @Audited(action = "token.revoke", resource = "instance", idParam = "id")
    @Operation(operationId = "revokeToken", summary = "Revoke an MLflow access token: refused at once",
            description = "Editors and owners revoke any token; a viewer only the browser sign-in tokens they made themselves"
                    + " (403 for another token).")
    @APIResponse(responseCode = "204", description = "Revoked")
    public Uni<Response> revokeToken(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                     @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                     @PathParam("tokenId") @Pattern(regexp = "^tok_[0-9a-f]{12}$") String tokenId) {
        CallContext ctx = call.self();
        Access access = ctx.access();
        String path = "/networks/" + id + "/tokens/" + tokenId;
        if (access.role().includes(Role.EDITOR)) {
            return forwarder.forward(ctx, Service.NETWORK, HttpMethod.DELETE, path, null, null);
        }
        // a viewer: the gateway looks the token up (with the rights network-service asks for) and lets only their own
        // browser token through
        return forwarder.send(ctx, asEditor(access), Service.NETWORK, HttpMethod.GET, "/networks/" + id + "/tokens", null, null, r -> r)
                .flatMap(r -> {
                    if (r.getStatus() != 200) {
                        return Uni.createFrom().item(r);
                    }
                    JsonNode token = null;
                    for (JsonNode t : readJson(r, id).path("items")) {
                        if (tokenId.equals(t.path("id").asText())) {
                            token = t;
                        }
                    }
                    if (token == null) {
                        return Uni.createFrom().item(AccessFilters.problem(Problem.of("not-found", "Resource not found", 404,
                                "No token '" + tokenId + "' for instance '" + id + "'.", "tokenId")));
                    }
                    if (!BrowserTokens.browser(token) || !access.memberId().equals(token.path("createdBy").asText())) {
                        return Uni.createFrom().item(AccessFilters.problem(Problem.of("forbidden", "Forbidden", 403,
                                "A viewer may revoke only the browser sign-in tokens they made themselves; this one needs the editor role"
                                        + " in workspace '" + ws + "'.", "tokenId").withCode("ROLE_EDITOR")));
                    }
                    return forwarder.send(ctx, asEditor(access), Service.NETWORK, HttpMethod.DELETE, path, null, null, x -> x);
                });
    }

    /** The caller acting with the editor role at network-service, for a call the gateway itself admitted. */
    private static Access asEditor(Access access) {
        return access.role().includes(Role.EDITOR) ? access : new Access(access.caller(), access.workspaceId(), Role.EDITOR);
    }

    private JsonNode readJson(Response r, String id) {
        try {
            return forwarder.mapper().readTree((byte[]) r.getEntity());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("network-service answered an unreadable token list for " + id, e);
        }
    }

    @POST
    @Path("/{id}/ui-sign-in")
    @InWorkspace(Role.VIEWER)
    @Audited(action = "instance.ui-sign-in", resource = "instance", idParam = "id")
    @Operation(operationId = "createInstanceUiSignIn", summary = "A one-time link that opens the MLflow UI of an instance in token mode in a browser",
            description = "Any member may ask: the link works once, within a minute, at the instance's load balancer, which sets an"
                    + " HttpOnly, SameSite=Lax cookie with an access token of the caller (read for a viewer, read-write for an editor or"
                    + " owner; listed and revocable with the instance's tokens) and redirects to the UI. An instance in network mode,"
                    + " or whose network is not ACTIVE, is 409.")
    @APIResponse(responseCode = "201", description = "The link (shown once)", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = UiSignInView.class)))
    public Uni<Response> uiSignIn(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                  @PathParam("id") @Pattern(regexp = Patterns.RESOURCE_ID) String id,
                                  @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IdempotentCalls.DESCRIPTION, schema = @Schema(type = SchemaType.STRING, pattern = Idempotency.KEY_PATTERN)) String idempotencyKey,
                                  @Context UriInfo uri) {
        CallContext ctx = call.self();
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), null,
                () -> forwarder.send(ctx, Service.NETWORK, HttpMethod.POST, "/networks/" + id + "/ui-sign-in", null, null, r -> {
                    try {
                        JsonNode link = forwarder.mapper().readTree((byte[]) r.getEntity());
                        return Response.status(201).type(MediaType.APPLICATION_JSON).header("Cache-Control", "no-store")
                                .entity(new UiSignInView(id, link.path("url").asText(), java.time.Instant.parse(link.path("expiresAt").asText())))
                                .build();
                    } catch (IOException | RuntimeException e) {
                        throw new IllegalStateException("network-service answered an unreadable sign-in link for " + id, e);
                    }
                }));
    }

    /** A created token as answered; an idempotent replay answers it without the token. */
    record NewToken(@com.fasterxml.jackson.annotation.JsonValue JsonNode json) implements Replayable {
        @Override
        public Object forReplay() {
            JsonNode copy = json.deepCopy();
            if (copy instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                o.remove("token");
            }
            return copy;
        }
    }

    private Uni<Response> lifecycle(String id, String action, Object body, String idempotencyKey, UriInfo uri) {
        CallContext ctx = call.self();
        String downstreamKey = IdempotentCalls.downstreamKey(ctx.caller(), idempotencyKey);
        return idempotent.runAsync(ctx.caller(), idempotencyKey, uri.getPath(), body,
                () -> forwarder.forward(ctx, Service.INSTANCE, HttpMethod.POST, "/instances/" + id + "/" + action, body, downstreamKey));
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }
}

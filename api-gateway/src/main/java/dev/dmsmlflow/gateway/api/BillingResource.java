package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * Billing of a workspace, forwarded to billing-service with the service token (which carries the workspace: the service
 * scopes every answer to it): the price catalogue, usage and cost reports, monthly statements and FOCUS exports.
 */
@Path("/api/v1/workspaces/{ws}/billing")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class BillingResource {

    static final String PERIOD = "^[0-9]{4}-(0[1-9]|1[0-2])$";
    static final String TIME = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z)?$";
    static final String EXPORT_ID = "^exp-[a-z0-9]{1,40}$";
    static final String FILTER_ID = "^[A-Za-z0-9._:-]{1,255}$";

    /** An export request as the public API documents it. */
    public record ExportRequest(
            @NotNull @Pattern(regexp = PERIOD, message = "must be a month, YYYY-MM") @Schema(required = true, pattern = PERIOD) String period,
            @Size(max = 2) List<@NotNull @Pattern(regexp = "^(csv|parquet)$", message = "must be csv or parquet") String> formats) {
    }

    private final CallContext call;
    private final Forwarder forwarder;

    BillingResource(CallContext call, Forwarder forwarder) {
        this.call = call;
        this.forwarder = forwarder;
    }

    @GET
    @Path("/prices")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listBillingPrices", summary = "The price catalogue: every SKU with its price versions (CNY)")
    @APIResponse(responseCode = "200", description = "The catalogue", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> prices(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws) {
        return forwarder.forward(call, Service.BILLING, HttpMethod.GET, "/billing/prices", null, null);
    }

    @GET
    @Path("/usage")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getBillingUsage", summary = "Usage of the workspace by hour, day or month, per SKU and/or resource")
    @APIResponse(responseCode = "200", description = "The usage report", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> usage(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @QueryParam("from") @Pattern(regexp = TIME) String from, @QueryParam("to") @Pattern(regexp = TIME) String to,
                               @QueryParam("granularity") @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"hour", "day", "month"})) String granularity,
                               @QueryParam("groupBy") @Pattern(regexp = "^(sku|resource)(,(sku|resource))?$") String groupBy,
                               @QueryParam("resourceId") @Pattern(regexp = FILTER_ID) String resourceId,
                               @QueryParam("skuId") @Pattern(regexp = FILTER_ID) String skuId) {
        return report("/billing/usage", from, to, granularity, groupBy, resourceId, skuId);
    }

    @GET
    @Path("/costs")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getBillingCosts", summary = "Costs of the workspace by hour, day or month, per SKU and/or resource")
    @APIResponse(responseCode = "200", description = "The cost report", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> costs(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @QueryParam("from") @Pattern(regexp = TIME) String from, @QueryParam("to") @Pattern(regexp = TIME) String to,
                               @QueryParam("granularity") @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"hour", "day", "month"})) String granularity,
                               @QueryParam("groupBy") @Pattern(regexp = "^(sku|resource)(,(sku|resource))?$") String groupBy,
                               @QueryParam("resourceId") @Pattern(regexp = FILTER_ID) String resourceId,
                               @QueryParam("skuId") @Pattern(regexp = FILTER_ID) String skuId) {
        return report("/billing/costs", from, to, granularity, groupBy, resourceId, skuId);
    }

    @GET
    @Path("/statements")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listBillingStatements", summary = "The workspace's billing periods with their state and total")
    @APIResponse(responseCode = "200", description = "The periods", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> statements(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws) {
        return forwarder.forward(call, Service.BILLING, HttpMethod.GET, "/billing/statements", null, null);
    }

    @GET
    @Path("/statements/{period}")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getBillingStatement", summary = "A monthly statement: its lines and total (the sum of its lines)")
    @APIResponse(responseCode = "200", description = "The statement", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> statement(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                   @PathParam("period") @Pattern(regexp = PERIOD) String period) {
        return forwarder.forward(call, Service.BILLING, HttpMethod.GET, "/billing/statements/" + period, null, null);
    }

    @POST
    @Path("/statements/{period}/close")
    @InWorkspace(Role.OWNER)
    @Audited(action = "billing.period.close", resource = "billing-period", idParam = "period")
    @Operation(operationId = "closeBillingPeriod", summary = "Close an ended billing period: its statement becomes final")
    @APIResponse(responseCode = "200", description = "The final statement", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> close(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                               @PathParam("period") @Pattern(regexp = PERIOD) String period) {
        return forwarder.forward(call, Service.BILLING, HttpMethod.POST, "/billing/statements/" + period + "/close", null, null);
    }

    @GET
    @Path("/exports")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "listBillingExports", summary = "The workspace's FOCUS exports, newest first")
    @APIResponse(responseCode = "200", description = "A page of exports", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> exports(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                 @QueryParam("pageSize") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) String pageSize,
                                 @QueryParam("pageToken") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Paging.TOKEN_PATTERN)) String pageToken) {
        String query = Forwarder.param("pageSize", Paging.size(pageSize)) + Forwarder.param("pageToken", Paging.checkToken(pageToken));
        return forwarder.forward(call, Service.BILLING, HttpMethod.GET, Forwarder.withQuery("/billing/exports", query), null, null);
    }

    @POST
    @Path("/exports")
    @Consumes(MediaType.APPLICATION_JSON)
    @InWorkspace(Role.EDITOR)
    @Audited(action = "billing.export", resource = "billing-export")
    @Operation(operationId = "requestBillingExport", summary = "Ask for a FOCUS 1.2 export of a billing period (CSV and/or Parquet)")
    @APIResponse(responseCode = "202", description = "Accepted: the export, status REQUESTED", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> requestExport(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                       @NotNull @Valid ExportRequest body) {
        return forwarder.forward(call, Service.BILLING, HttpMethod.POST, "/billing/exports", body, null);
    }

    @GET
    @Path("/exports/{id}")
    @InWorkspace(Role.VIEWER)
    @Operation(operationId = "getBillingExport", summary = "An export: status, location and manifest (files, row counts, checksums)")
    @APIResponse(responseCode = "200", description = "The export", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> export(@PathParam("ws") @Parameter(schema = @Schema(type = SchemaType.STRING, pattern = Ids.WORKSPACE_PATTERN)) String ws,
                                @PathParam("id") @Pattern(regexp = EXPORT_ID) String id) {
        return forwarder.forward(call, Service.BILLING, HttpMethod.GET, "/billing/exports/" + id, null, null);
    }

    private Uni<Response> report(String path, String from, String to, String granularity, String groupBy, String resourceId, String skuId) {
        if (granularity != null && !granularity.isEmpty() && !List.of("hour", "day", "month").contains(granularity)) {
            throw dev.dmsmlflow.platform.problem.ProblemException.invalidField("granularity", "granularity must be hour, day or month.");
        }
        String query = Forwarder.param("from", from) + Forwarder.param("to", to) + Forwarder.param("granularity", granularity)
                + Forwarder.param("groupBy", groupBy) + Forwarder.param("resourceId", resourceId) + Forwarder.param("skuId", skuId);
        return forwarder.forward(call, Service.BILLING, HttpMethod.GET, Forwarder.withQuery(path, query), null, null);
    }
}

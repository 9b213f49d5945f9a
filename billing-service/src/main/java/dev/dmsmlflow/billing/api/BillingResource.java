package dev.dmsmlflow.billing.api;

import dev.dmsmlflow.billing.application.Exports;
import dev.dmsmlflow.billing.application.Reports;
import dev.dmsmlflow.billing.application.Statements;
import dev.dmsmlflow.billing.domain.PriceCatalogue;
import dev.dmsmlflow.billing.domain.PriceVersion;
import dev.dmsmlflow.billing.domain.Sku;
import dev.dmsmlflow.platform.auth.Caller;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.paging.Page;
import dev.dmsmlflow.platform.paging.PageRequest;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * Billing of the caller's workspace (the service token's {@code dms_ws}): the price catalogue, usage and cost reports,
 * monthly statements and FOCUS exports. Reading needs the viewer role, asking for an export the editor role, closing a
 * period the owner role.
 */
@Path("/billing")
@Produces(MediaType.APPLICATION_JSON)
public class BillingResource {

    /** The catalogue as the API shows it. */
    public record PriceList(String currency, List<SkuView> skus) {
    }

    public record SkuView(String id, String description, String subjectType, String unit, String spec, String pricingUnit,
                          String serviceName, List<PriceView> prices) {
    }

    public record PriceView(String id, Instant effectiveFrom, Instant effectiveTo, BigDecimal unitPrice) {
    }

    /** A list of billing periods. */
    public record PeriodList(List<Statements.PeriodSummary> items) {
    }

    private final Caller caller;
    private final PriceCatalogue catalogue;
    private final Reports reports;
    private final Statements statements;
    private final Exports exports;

    BillingResource(Caller caller, PriceCatalogue catalogue, Reports reports, Statements statements, Exports exports) {
        this.caller = caller;
        this.catalogue = catalogue;
        this.reports = reports;
        this.statements = statements;
        this.exports = exports;
    }

    @GET
    @Path("/prices")
    public PriceList prices() {
        List<SkuView> skus = catalogue.skus().stream().map(BillingResource::view).toList();
        return new PriceList(catalogue.currency(), skus);
    }

    @GET
    @Path("/usage")
    public Reports.UsageReport usage(@QueryParam("from") String from, @QueryParam("to") String to,
                                     @QueryParam("granularity") String granularity, @QueryParam("groupBy") String groupBy,
                                     @QueryParam("resourceId") @Pattern(regexp = "^[A-Za-z0-9._:-]{1,255}$") String resourceId,
                                     @QueryParam("skuId") @Pattern(regexp = "^[A-Za-z0-9._:-]{1,64}$") String skuId) {
        Instant[] r = Ranges.range(from, to, Instant.now());
        List<String> groups = Ranges.groups(groupBy, List.of("sku"));
        return reports.usage(caller.workspaceId(), r[0], r[1], Ranges.granularity(granularity), groups.contains("resource"),
                resourceId, skuId);
    }

    @GET
    @Path("/costs")
    public Reports.CostReport costs(@QueryParam("from") String from, @QueryParam("to") String to,
                                    @QueryParam("granularity") String granularity, @QueryParam("groupBy") String groupBy,
                                    @QueryParam("resourceId") @Pattern(regexp = "^[A-Za-z0-9._:-]{1,255}$") String resourceId,
                                    @QueryParam("skuId") @Pattern(regexp = "^[A-Za-z0-9._:-]{1,64}$") String skuId) {
        Instant[] r = Ranges.range(from, to, Instant.now());
        List<String> groups = Ranges.groups(groupBy, List.of("sku"));
        return reports.costs(caller.workspaceId(), r[0], r[1], Ranges.granularity(granularity), groups.contains("sku"),
                groups.contains("resource"), resourceId, skuId);
    }

    @GET
    @Path("/statements")
    public PeriodList statements() {
        return new PeriodList(statements.periods(caller.workspaceId()));
    }

    @GET
    @Path("/statements/{period}")
    public Statements.Statement statement(@PathParam("period") String period) {
        return statements.statement(caller.workspaceId(), Ranges.period(period));
    }

    @POST
    @Path("/statements/{period}/close")
    public Statements.Statement close(@PathParam("period") String period) {
        caller.requireRole(Role.OWNER);
        return statements.close(caller.workspaceId(), Ranges.period(period), caller.principal(), Instant.now());
    }

    @GET
    @Path("/exports")
    public Page<Exports.ExportView> listExports(@QueryParam("pageSize") String pageSize, @QueryParam("pageToken") String pageToken) {
        return exports.list(caller.workspaceId(), PageRequest.parse(pageSize, pageToken, 20, 100, "exports"));
    }

    @POST
    @Path("/exports")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response requestExport(@NotNull @Valid ExportRequest body) {
        caller.requireRole(Role.EDITOR);
        Exports.ExportView v = exports.request(caller.workspaceId(), Ranges.period(body.period()), body.formats(), Exports.ON_DEMAND,
                caller.principal(), Instant.now());
        return Response.accepted(v).location(URI.create("/billing/exports/" + v.id())).build();
    }

    @GET
    @Path("/exports/{id}")
    public Exports.ExportView export(@PathParam("id") String id) {
        if (!id.matches("^exp-[a-z0-9]{1,40}$")) {
            throw ProblemException.notFound("No export " + id + " in this workspace.");
        }
        return exports.get(caller.workspaceId(), id);
    }

    private static SkuView view(Sku s) {
        return new SkuView(s.id(), s.description(), s.subjectType().name(), s.unit(), s.spec().orElse(null), s.pricingUnit(),
                s.serviceName(), s.prices().stream().map(BillingResource::view).toList());
    }

    private static PriceView view(PriceVersion p) {
        return new PriceView(p.id(), p.effectiveFrom(), p.effectiveTo(), p.unitPrice());
    }
}

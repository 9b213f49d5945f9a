package dev.dmsmlflow.billing.application;

import dev.dmsmlflow.billing.domain.Money;
import dev.dmsmlflow.billing.domain.PriceCatalogue;
import dev.dmsmlflow.billing.persistence.LineItemQueries;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Usage and cost of a workspace by hour, day or month of the charge period, per SKU and/or resource. */
@ApplicationScoped
public class Reports {

    /** Most groups one report returns; a wider question must narrow its range or filter. */
    public static final int MAX_ROWS = 10_000;

    /** A usage row: quantity of one SKU (and resource, with its display name when it has one) in one bucket. */
    public record UsageRow(Instant periodStart, Instant periodEnd, String skuId, String resourceId, String resourceName,
                           BigDecimal quantity, String unit, long lineItems) {
    }

    /** A cost row: the exact cost of its charges rounded once to the fen. */
    public record CostRow(Instant periodStart, Instant periodEnd, String skuId, String resourceId, String resourceName, BigDecimal cost,
                          long lineItems) {
    }

    public record UsageReport(Instant from, Instant to, String granularity, List<UsageRow> items) {
    }

    /** The total is the sum of the rows' rounded costs. */
    public record CostReport(Instant from, Instant to, String granularity, String currency, List<CostRow> items, BigDecimal total) {
    }

    private final LineItemQueries queries;
    private final PriceCatalogue catalogue;

    Reports(LineItemQueries queries, PriceCatalogue catalogue) {
        this.queries = queries;
        this.catalogue = catalogue;
    }

    public UsageReport usage(String ws, Instant from, Instant to, String granularity, boolean byResource, String resourceId, String skuId) {
        List<UsageRow> rows = new ArrayList<>();
        List<LineItemQueries.Group> groups = groups(ws, from, to, granularity, true, byResource, resourceId, skuId);
        java.util.Map<String, String> names = names(ws, groups);
        for (LineItemQueries.Group g : groups) {
            rows.add(new UsageRow(g.bucket(), end(g.bucket(), granularity), g.skuId(), g.resourceId(), names.get(g.resourceId()),
                    g.quantity().setScale(Money.QUANTITY_SCALE), g.unit(), g.lines()));
        }
        return new UsageReport(from, to, granularity, rows);
    }

    public CostReport costs(String ws, Instant from, Instant to, String granularity, boolean bySku, boolean byResource, String resourceId,
                            String skuId) {
        List<CostRow> rows = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO.setScale(Money.AMOUNT_SCALE);
        List<LineItemQueries.Group> groups = groups(ws, from, to, granularity, bySku, byResource, resourceId, skuId);
        java.util.Map<String, String> names = names(ws, groups);
        for (LineItemQueries.Group g : groups) {
            BigDecimal amount = Money.amount(g.cost());
            total = total.add(amount);
            rows.add(new CostRow(g.bucket(), end(g.bucket(), granularity), g.skuId(), g.resourceId(), names.get(g.resourceId()), amount,
                    g.lines()));
        }
        return new CostReport(from, to, granularity, catalogue.currency(), rows, total);
    }

    private List<LineItemQueries.Group> groups(String ws, Instant from, Instant to, String granularity, boolean bySku, boolean byResource,
                                               String resourceId, String skuId) {
        List<LineItemQueries.Group> groups = queries.groups(ws, from, to, granularity, bySku, byResource, resourceId, skuId, MAX_ROWS + 1);
        if (groups.size() > MAX_ROWS) {
            throw ProblemException.invalidField("to", "The report would have more than " + MAX_ROWS
                    + " rows; narrow the range, use a coarser granularity or filter by resource or SKU.");
        }
        return groups;
    }

    /** The display names of the groups' resources (none when not grouped by resource). */
    private java.util.Map<String, String> names(String ws, List<LineItemQueries.Group> groups) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (LineItemQueries.Group g : groups) {
            if (g.resourceId() != null) {
                ids.add(g.resourceId());
            }
        }
        return queries.names(ws, ids);
    }

    private static Instant end(Instant bucket, String granularity) {
        return switch (granularity) {
            case "hour" -> bucket.plus(Duration.ofHours(1));
            case "day" -> bucket.plus(Duration.ofDays(1));
            default -> java.time.YearMonth.from(bucket.atZone(java.time.ZoneOffset.UTC)).plusMonths(1).atDay(1)
                    .atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        };
    }
}

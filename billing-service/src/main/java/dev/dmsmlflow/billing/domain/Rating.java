package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.UsageSubjectType;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rates a ledger entry: each UTC hour of its window at the price of its SKU in force at that hour's start; the line
 * belongs to the hour's billing period, or, when that period is closed for the workspace, to the first open period
 * after it as a correction. Pure: the periods' state comes in as a {@link Periods}.
 */
public final class Rating {

    /** Which billing periods of a workspace are closed. */
    @FunctionalInterface
    public interface Periods {
        boolean closed(String workspaceId, YearMonth period);
    }

    /** Why a slice could not be rated (it stays in the ledger, unrated, and is counted). */
    public enum Unrated { NO_SKU, NO_PRICE }

    /** The lines of one entry, and what could not be rated. */
    public record Result(List<LineItem> lines, List<Unrated> unrated) {
        public boolean fullyRated() {
            return unrated.isEmpty();
        }
    }

    private Rating() {
    }

    /** The billing periods the slices of {@code usage} fall in (before any correction), for locking them first. */
    public static List<YearMonth> periodsOf(Usage usage) {
        List<YearMonth> out = new ArrayList<>();
        for (HourSlices.Slice s : HourSlices.of(usage.windowStart(), usage.windowEnd(), usage.quantity())) {
            YearMonth m = BillingPeriods.of(s.hourStart());
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** The first period at or after {@code from} that is open for the workspace. */
    public static YearMonth firstOpen(String workspaceId, YearMonth from, Periods periods) {
        YearMonth m = from;
        while (periods.closed(workspaceId, m)) {
            m = m.plusMonths(1);
        }
        return m;
    }

    public static Result rate(Usage usage, PriceCatalogue catalogue, Periods periods) {
        List<LineItem> lines = new ArrayList<>();
        List<Unrated> unrated = new ArrayList<>();
        Optional<Sku> sku = catalogue.skuFor(usage.subjectType(), usage.unit(), usage.spec());
        for (HourSlices.Slice s : HourSlices.of(usage.windowStart(), usage.windowEnd(), usage.quantity())) {
            if (sku.isEmpty()) {
                unrated.add(Unrated.NO_SKU);
                continue;
            }
            Optional<PriceVersion> price = PriceCatalogue.priceAt(sku.get(), s.hourStart());
            if (price.isEmpty()) {
                unrated.add(Unrated.NO_PRICE);
                continue;
            }
            YearMonth hourPeriod = BillingPeriods.of(s.hourStart());
            YearMonth billed = firstOpen(usage.workspaceId(), hourPeriod, periods);
            Sku k = sku.get();
            lines.add(new LineItem(LineItem.idOf(usage.source(), usage.eventId(), s.hourStart()), usage.workspaceId(), billed,
                    s.hourStart(), s.hourEnd(), billed.equals(hourPeriod) ? null : LineItem.CORRECTION, k.id(), price.get().id(),
                    k.serviceName(), k.description(), usage.subjectId(), resourceType(usage.subjectType()), usage.spec(),
                    s.quantity(), k.pricingUnit(), price.get().unitPrice(), Money.cost(s.quantity(), price.get().unitPrice()),
                    catalogue.currency(), usage.source(), usage.eventId()));
        }
        return new Result(lines, unrated);
    }

    /** FOCUS ResourceType of a metered subject. */
    public static String resourceType(UsageSubjectType type) {
        return switch (type) {
            case MLFLOW_INSTANCE -> "MLflow instance";
            case NOTEBOOK_SESSION -> "Notebook session";
            default -> "Other";
        };
    }
}

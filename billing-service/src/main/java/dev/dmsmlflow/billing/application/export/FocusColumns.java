package dev.dmsmlflow.billing.application.export;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.LineItem;
import dev.dmsmlflow.billing.domain.Money;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The columns of a FOCUS 1.2 export, in file order: the specification's mandatory columns, the conditional and
 * recommended ones this provider can fill (consumed quantity and unit, resource, region, SKU, price, pricing currency,
 * invoice, tags...) and our own {@code x_LineItemId} (a line item's stable id: the same line has the same id in every
 * export). Each column knows its type and how to read its value from a line item and the export's context.
 */
public final class FocusColumns {

    /** FOCUS version of the exports. */
    public static final String VERSION = "1.2";

    /** How a column is typed in the files. */
    public enum Kind { STRING, DECIMAL, TIMESTAMP }

    /** What is the same for every row of one export. */
    public record Context(String provider, String regionId, String regionName, String billingAccountName, String invoiceId,
                          java.util.Map<String, String> resourceNames) {

        /** Without resource names (ResourceName is then the resource id). */
        public Context(String provider, String regionId, String regionName, String billingAccountName, String invoiceId) {
            this(provider, regionId, regionName, billingAccountName, invoiceId, java.util.Map.of());
        }

        /** The display name of a resource, or its id when it has none (FOCUS: ResourceName falls back to ResourceId). */
        public String resourceName(String resourceId) {
            return resourceId == null ? null : resourceNames.getOrDefault(resourceId, resourceId);
        }
    }

    /** One column: name, type ({@code scale} for decimals), whether it may be null, and its value. */
    public record Column(String name, Kind kind, int scale, boolean nullable, BiFunction<LineItem, Context, Object> value) {
    }

    /** ServiceCategory of every charge of this provider (a value of the specification's closed list). */
    public static final String SERVICE_CATEGORY = "AI and Machine Learning";
    /** ServiceSubcategory (a value of the specification's closed list, under the category above). */
    public static final String SERVICE_SUBCATEGORY = "AI Platforms";

    public static final List<Column> ALL = List.of(
            dec("BilledCost", Money.COST_SCALE, (l, c) -> l.cost()),
            str("BillingAccountId", false, (l, c) -> l.workspaceId()),
            str("BillingAccountName", false, (l, c) -> c.billingAccountName()),
            str("BillingAccountType", false, (l, c) -> "Workspace"),
            str("BillingCurrency", false, (l, c) -> l.currency()),
            ts("BillingPeriodEnd", (l, c) -> BillingPeriods.end(l.billingPeriod())),
            ts("BillingPeriodStart", (l, c) -> BillingPeriods.start(l.billingPeriod())),
            str("ChargeCategory", false, (l, c) -> "Usage"),
            str("ChargeClass", true, (l, c) -> l.chargeClass()),
            str("ChargeDescription", false, (l, c) -> l.description()),
            str("ChargeFrequency", false, (l, c) -> "Usage-Based"),
            ts("ChargePeriodEnd", (l, c) -> l.chargePeriodEnd()),
            ts("ChargePeriodStart", (l, c) -> l.chargePeriodStart()),
            dec("ConsumedQuantity", Money.QUANTITY_SCALE, (l, c) -> l.quantity()),
            str("ConsumedUnit", false, (l, c) -> l.unit()),
            dec("ContractedCost", Money.COST_SCALE, (l, c) -> l.cost()),
            dec("ContractedUnitPrice", Money.PRICE_SCALE, (l, c) -> l.unitPrice()),
            dec("EffectiveCost", Money.COST_SCALE, (l, c) -> l.cost()),
            str("InvoiceId", true, (l, c) -> c.invoiceId()),
            str("InvoiceIssuerName", false, (l, c) -> c.provider()),
            dec("ListCost", Money.COST_SCALE, (l, c) -> l.cost()),
            dec("ListUnitPrice", Money.PRICE_SCALE, (l, c) -> l.unitPrice()),
            str("PricingCategory", false, (l, c) -> "Standard"),
            str("PricingCurrency", false, (l, c) -> l.currency()),
            dec("PricingQuantity", Money.QUANTITY_SCALE, (l, c) -> l.quantity()),
            str("PricingUnit", false, (l, c) -> l.unit()),
            str("ProviderName", false, (l, c) -> c.provider()),
            str("PublisherName", false, (l, c) -> c.provider()),
            str("RegionId", false, (l, c) -> c.regionId()),
            str("RegionName", false, (l, c) -> c.regionName()),
            str("ResourceId", false, (l, c) -> l.resourceId()),
            str("ResourceName", false, (l, c) -> c.resourceName(l.resourceId())),
            str("ResourceType", false, (l, c) -> l.resourceType()),
            str("ServiceCategory", false, (l, c) -> SERVICE_CATEGORY),
            str("ServiceName", false, (l, c) -> l.serviceName()),
            str("ServiceSubcategory", false, (l, c) -> SERVICE_SUBCATEGORY),
            str("SkuId", false, (l, c) -> l.skuId()),
            str("SkuMeter", false, (l, c) -> l.unit()),
            str("SkuPriceId", false, (l, c) -> l.priceVersionId()),
            str("Tags", false, (l, c) -> tags(l)),
            str("x_LineItemId", false, (l, c) -> l.id().toString()));

    private FocusColumns() {
    }

    /** FOCUS Tags: a JSON object of the provider's tags (keys prefixed {@code dms/}). */
    static String tags(LineItem l) {
        return "{\"dms/workspace\":" + json(l.workspaceId()) + ",\"dms/spec\":" + json(l.spec()) + "}";
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static Column str(String name, boolean nullable, BiFunction<LineItem, Context, Object> v) {
        return new Column(name, Kind.STRING, 0, nullable, v);
    }

    private static Column dec(String name, int scale, BiFunction<LineItem, Context, Object> v) {
        return new Column(name, Kind.DECIMAL, scale, false, (l, c) -> ((BigDecimal) v.apply(l, c)).setScale(scale));
    }

    private static Column ts(String name, BiFunction<LineItem, Context, Object> v) {
        return new Column(name, Kind.TIMESTAMP, 0, false, v);
    }

    /** The text of a value in CSV: decimals plain, timestamps ISO 8601 in UTC ({@code 2025-04-01T08:00:00Z}), null empty. */
    static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Instant t) {
            return t.toString();
        }
        return v.toString();
    }
}

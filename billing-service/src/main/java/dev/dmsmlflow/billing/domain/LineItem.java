package dev.dmsmlflow.billing.domain;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.UUID;

/**
 * A rated charge: one usage reading's part in one UTC hour, at the price in force then. Never changed once written; a
 * reading that arrives after its hour's billing period closed becomes a line of the next open period with
 * {@code chargeClass = Correction} (its charge period stays the hour it happened).
 *
 * @param id                stable id ({@code x_LineItemId}): derived from the reading's source and id and the hour
 * @param billingPeriod     the month whose statement and export it belongs to
 * @param chargeClass       null for a regular charge, {@value #CORRECTION} for a late one
 * @param resourceType      FOCUS ResourceType (e.g. {@code MLflow instance})
 * @param quantity          ConsumedQuantity = PricingQuantity ({@link Money#QUANTITY_SCALE})
 * @param unit              ConsumedUnit = PricingUnit
 * @param cost              quantity × unitPrice, exact ({@link Money#COST_SCALE})
 */
public record LineItem(UUID id, String workspaceId, YearMonth billingPeriod, Instant chargePeriodStart, Instant chargePeriodEnd,
                       String chargeClass, String skuId, String priceVersionId, String serviceName, String description,
                       String resourceId, String resourceType, String spec, BigDecimal quantity, String unit,
                       BigDecimal unitPrice, BigDecimal cost, String currency, String source, String eventId) {

    /** FOCUS ChargeClass of a charge that corrects a closed billing period. */
    public static final String CORRECTION = "Correction";

    /** The stable id of the line of reading ({@code source}, {@code eventId}) in the hour starting at {@code hour}. */
    public static UUID idOf(String source, String eventId, Instant hour) {
        return UUID.nameUUIDFromBytes(("line|" + source + "|" + eventId + "|" + hour).getBytes(StandardCharsets.UTF_8));
    }

    public boolean isCorrection() {
        return CORRECTION.equals(chargeClass);
    }
}

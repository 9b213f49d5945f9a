package dev.dmsmlflow.billing.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One price of a SKU, in force from {@code effectiveFrom} (inclusive) until the next version's start (exclusive), or
 * open-ended ({@code effectiveTo} null). A version never changes once published: a new price is a new version.
 *
 * @param skuId         the SKU
 * @param id            the SkuPriceId, unique across the catalogue, e.g. {@code MLFLOW-INSTANCE-SMALL:2025-01}
 * @param effectiveFrom first instant it applies to
 * @param effectiveTo   first instant it no longer applies to, or null
 * @param unitPrice     price per pricing unit in the catalogue's currency, at most {@link Money#PRICE_SCALE} decimals
 */
public record PriceVersion(String skuId, String id, Instant effectiveFrom, Instant effectiveTo, BigDecimal unitPrice) {

    /** Whether this version is the price in force at {@code t}. */
    public boolean inForceAt(Instant t) {
        return !t.isBefore(effectiveFrom) && (effectiveTo == null || t.isBefore(effectiveTo));
    }
}

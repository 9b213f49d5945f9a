package dev.dmsmlflow.billing.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The scales and rounding of billing arithmetic, in one place.
 * <ul>
 *   <li>quantities (consumed and pricing): scale {@value #QUANTITY_SCALE} (micro-units, what the meters send), a finer
 *       reading rounded {@link RoundingMode#HALF_UP};</li>
 *   <li>unit prices: at most {@value #PRICE_SCALE} decimals (the catalogue refuses more);</li>
 *   <li>a line item's cost: quantity × unit price exactly, scale {@value #COST_SCALE}, never rounded, so that
 *       PricingQuantity × ListUnitPrice = ListCost holds in every exported row;</li>
 *   <li>amounts a person pays (statement lines, cost reports): the exact sum of their line items' costs rounded once to
 *       {@value #AMOUNT_SCALE} decimals (the fen) {@link RoundingMode#HALF_UP}; a total is the sum of its rounded lines.</li>
 * </ul>
 */
public final class Money {

    public static final int QUANTITY_SCALE = 6;
    public static final int PRICE_SCALE = 6;
    public static final int COST_SCALE = QUANTITY_SCALE + PRICE_SCALE;
    public static final int AMOUNT_SCALE = 2;
    public static final RoundingMode ROUNDING = RoundingMode.HALF_UP;

    private Money() {
    }

    /** A quantity at {@link #QUANTITY_SCALE}. */
    public static BigDecimal quantity(BigDecimal q) {
        return q.setScale(QUANTITY_SCALE, ROUNDING);
    }

    /** The exact cost of {@code quantity} at {@code unitPrice}. */
    public static BigDecimal cost(BigDecimal quantity, BigDecimal unitPrice) {
        return quantity.multiply(unitPrice).setScale(COST_SCALE, RoundingMode.UNNECESSARY);
    }

    /** What is paid for an exact cost (or an exact sum of costs). */
    public static BigDecimal amount(BigDecimal exactCost) {
        return exactCost.setScale(AMOUNT_SCALE, ROUNDING);
    }
}

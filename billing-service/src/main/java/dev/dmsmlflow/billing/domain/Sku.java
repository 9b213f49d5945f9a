package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.UsageSubjectType;

import java.util.List;
import java.util.Optional;

/**
 * A priced product of the catalogue: which usage readings it prices (their subject type, unit and, for instances, spec),
 * how FOCUS describes it, and its price versions, oldest first.
 *
 * @param id           the SkuId, e.g. {@code MLFLOW-INSTANCE-SMALL}
 * @param description  what a statement line says
 * @param subjectType  the kind of thing metered
 * @param unit         the UsageMetered unit it prices (wire name, e.g. {@code instance-hours})
 * @param spec         the spec it prices, or empty for any spec (notebook vCPU and GiB hours)
 * @param pricingUnit  FOCUS PricingUnit / ConsumedUnit, e.g. {@code Hours}, {@code vCPU-Hours}, {@code GiB-Hours}
 * @param serviceName  FOCUS ServiceName
 * @param prices       price versions, effective dates ascending
 */
public record Sku(String id, String description, UsageSubjectType subjectType, String unit, Optional<String> spec,
                  String pricingUnit, String serviceName, List<PriceVersion> prices) {

    public Sku {
        prices = List.copyOf(prices);
    }

    /** Whether this SKU prices a reading of that subject type, unit and spec. */
    public boolean prices(UsageSubjectType type, String readingUnit, String readingSpec) {
        return subjectType == type && unit.equals(readingUnit) && spec.map(s -> s.equals(readingSpec)).orElse(true);
    }
}

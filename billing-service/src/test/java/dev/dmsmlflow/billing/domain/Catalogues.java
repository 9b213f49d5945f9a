package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.UsageSubjectType;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Small catalogues for the domain tests. */
final class Catalogues {

    static final Instant JAN = Instant.parse("2025-01-01T00:00:00Z");
    /** The price of MLFLOW-SMALL changes here, in the middle of March. */
    static final Instant MID_MARCH = Instant.parse("2025-03-16T00:00:00Z");

    private Catalogues() {
    }

    static PriceCatalogue sample() {
        return PriceCatalogue.of("CNY", List.of(
                new PriceCatalogue.SkuDefinition("MLFLOW-SMALL", "MLflow instance mlflow.small, per hour", UsageSubjectType.MLFLOW_INSTANCE,
                        "instance-hours", Optional.of("mlflow.small"), "Hours", "DMS MLflow", List.of(
                        new PriceCatalogue.PriceDefinition("v1", JAN, new BigDecimal("0.35")),
                        new PriceCatalogue.PriceDefinition("v2", MID_MARCH, new BigDecimal("0.42")))),
                new PriceCatalogue.SkuDefinition("NOTEBOOK-VCPU", "Notebook vCPU-hour", UsageSubjectType.NOTEBOOK_SESSION, "vcpu-hours",
                        Optional.empty(), "vCPU-Hours", "DMS Notebook", List.of(
                        new PriceCatalogue.PriceDefinition("v1", JAN, new BigDecimal("0.123456"))))));
    }
}

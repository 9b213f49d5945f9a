package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PriceCatalogueTest {

    @Test
    void eachHourHasThePriceInForceAtItsStart() {
        PriceCatalogue c = Catalogues.sample();
        Sku small = c.skuFor(UsageSubjectType.MLFLOW_INSTANCE, "instance-hours", "mlflow.small").orElseThrow();
        assertEquals("MLFLOW-SMALL:v1", PriceCatalogue.priceAt(small, Catalogues.MID_MARCH.minusSeconds(3600)).orElseThrow().id());
        assertEquals("MLFLOW-SMALL:v2", PriceCatalogue.priceAt(small, Catalogues.MID_MARCH).orElseThrow().id());
        assertEquals(new BigDecimal("0.420000"), PriceCatalogue.priceAt(small, Instant.parse("2030-01-01T00:00:00Z")).orElseThrow().unitPrice());
        assertTrue(PriceCatalogue.priceAt(small, Catalogues.JAN.minusSeconds(1)).isEmpty(), "nothing before the first version");
        assertEquals(Catalogues.MID_MARCH, small.prices().get(0).effectiveTo());
    }

    @Test
    void aSkuWithoutSpecPricesEverySpecOfItsUnit() {
        PriceCatalogue c = Catalogues.sample();
        assertEquals("NOTEBOOK-VCPU", c.skuFor(UsageSubjectType.NOTEBOOK_SESSION, "vcpu-hours", "4C16G").orElseThrow().id());
        assertTrue(c.skuFor(UsageSubjectType.NOTEBOOK_SESSION, "gib-hours", "4C16G").isEmpty());
        assertTrue(c.skuFor(UsageSubjectType.MLFLOW_INSTANCE, "instance-hours", "mlflow.huge").isEmpty());
    }

    @Test
    void inconsistentCataloguesAreRefusedWithTheReason() {
        Instant t = Catalogues.JAN;
        assertRefused("more than 6 decimals", def("A", Optional.empty(), price("v1", t, "0.1234567")));
        assertRefused("negative", def("A", Optional.empty(), price("v1", t, "-1")));
        assertRefused("two prices from", def("A", Optional.empty(), price("v1", t, "1"), price("v2", t, "2")));
        assertRefused("has no price", def("A", Optional.empty()));
        assertRefused("price the same readings", def("A", Optional.empty(), price("v1", t, "1")), def("B", Optional.empty(), price("v1", t, "1")));
        assertRefused("defined twice", def("A", Optional.empty(), price("v1", t, "1")), def("A", Optional.of("x"), price("v1", t, "1")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PriceCatalogue.of("yuan", List.of()));
        assertTrue(e.getMessage().contains("ISO 4217"), e.getMessage());
    }

    private static void assertRefused(String reason, PriceCatalogue.SkuDefinition... defs) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PriceCatalogue.of("CNY", List.of(defs)));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static PriceCatalogue.SkuDefinition def(String id, Optional<String> spec, PriceCatalogue.PriceDefinition... prices) {
        return new PriceCatalogue.SkuDefinition(id, id, UsageSubjectType.MLFLOW_INSTANCE, "instance-hours", spec, "Hours", "DMS MLflow",
                List.of(prices));
    }

    private static PriceCatalogue.PriceDefinition price(String v, Instant from, String price) {
        return new PriceCatalogue.PriceDefinition(v, from, new BigDecimal(price));
    }
}

package dev.dmsmlflow.billing.application;

import dev.dmsmlflow.billing.BillingConfig;
import dev.dmsmlflow.billing.domain.PriceCatalogue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The price catalogue of this installation, read from configuration ({@code dms.billing.skus.*}) and checked at start. */
@ApplicationScoped
public class Catalogue {

    @Produces
    @Singleton
    PriceCatalogue catalogue(BillingConfig config) {
        return fromConfig(config);
    }

    /** Builds the catalogue; an inconsistent one stops the service with the reason. */
    public static PriceCatalogue fromConfig(BillingConfig config) {
        List<PriceCatalogue.SkuDefinition> skus = new ArrayList<>();
        for (Map.Entry<String, BillingConfig.SkuConfig> e : config.skus().entrySet()) {
            BillingConfig.SkuConfig s = e.getValue();
            List<PriceCatalogue.PriceDefinition> prices = s.prices().stream()
                    .map(p -> new PriceCatalogue.PriceDefinition(p.version(), p.effectiveFrom(), p.unitPrice())).toList();
            skus.add(new PriceCatalogue.SkuDefinition(e.getKey(), s.description(), s.subjectType(), s.unit(), s.spec(), s.pricingUnit(),
                    s.serviceName(), prices));
        }
        skus.sort(java.util.Comparator.comparing(PriceCatalogue.SkuDefinition::id));
        try {
            return PriceCatalogue.of(config.currency(), skus);
        } catch (IllegalArgumentException ex) {
            throw new IllegalStateException("dms.billing price catalogue: " + ex.getMessage(), ex);
        }
    }
}

package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.UsageSubjectType;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The versioned price list: every SKU with its prices over time, in one currency. Built from configuration and checked
 * whole at start: a catalogue that could rate one hour twice, or at a price with more decimals than billing keeps, is
 * refused with the reason.
 */
public final class PriceCatalogue {

    /** A SKU as configured: its prices given by start date only. */
    public record SkuDefinition(String id, String description, UsageSubjectType subjectType, String unit, Optional<String> spec,
                                String pricingUnit, String serviceName, List<PriceDefinition> prices) {
    }

    /** A price as configured. */
    public record PriceDefinition(String version, Instant effectiveFrom, BigDecimal unitPrice) {
    }

    private final String currency;
    private final List<Sku> skus;

    private PriceCatalogue(String currency, List<Sku> skus) {
        this.currency = currency;
        this.skus = List.copyOf(skus);
    }

    /** Checks and builds a catalogue; {@link IllegalArgumentException} says what is wrong. */
    public static PriceCatalogue of(String currency, List<SkuDefinition> definitions) {
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code, not " + currency);
        }
        List<Sku> skus = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> versionIds = new HashSet<>();
        for (SkuDefinition d : definitions) {
            if (d.id() == null || !d.id().matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")) {
                throw new IllegalArgumentException("SKU id " + d.id() + " is not 1-64 letters, digits, '.', '_', ':' or '-'");
            }
            if (!ids.add(d.id())) {
                throw new IllegalArgumentException("SKU " + d.id() + " is defined twice");
            }
            if (d.prices().isEmpty()) {
                throw new IllegalArgumentException("SKU " + d.id() + " has no price");
            }
            List<PriceDefinition> sorted = new ArrayList<>(d.prices());
            sorted.sort(Comparator.comparing(PriceDefinition::effectiveFrom));
            List<PriceVersion> versions = new ArrayList<>();
            for (int i = 0; i < sorted.size(); i++) {
                PriceDefinition p = sorted.get(i);
                if (i > 0 && p.effectiveFrom().equals(sorted.get(i - 1).effectiveFrom())) {
                    throw new IllegalArgumentException("SKU " + d.id() + " has two prices from " + p.effectiveFrom());
                }
                if (p.unitPrice().signum() < 0) {
                    throw new IllegalArgumentException("SKU " + d.id() + " price " + p.version() + " is negative");
                }
                if (p.unitPrice().stripTrailingZeros().scale() > Money.PRICE_SCALE) {
                    throw new IllegalArgumentException("SKU " + d.id() + " price " + p.version() + " has more than "
                            + Money.PRICE_SCALE + " decimals: " + p.unitPrice().toPlainString());
                }
                String versionId = d.id() + ":" + p.version();
                if (!versionIds.add(versionId)) {
                    throw new IllegalArgumentException("price version " + versionId + " is defined twice");
                }
                Instant to = i + 1 < sorted.size() ? sorted.get(i + 1).effectiveFrom() : null;
                versions.add(new PriceVersion(d.id(), versionId, p.effectiveFrom(), to,
                        p.unitPrice().setScale(Money.PRICE_SCALE, java.math.RoundingMode.UNNECESSARY)));
            }
            skus.add(new Sku(d.id(), d.description(), d.subjectType(), d.unit(), d.spec(), d.pricingUnit(), d.serviceName(), versions));
        }
        for (Sku a : skus) {
            for (Sku b : skus) {
                if (a != b && a.subjectType() == b.subjectType() && a.unit().equals(b.unit()) && a.spec().equals(b.spec())) {
                    throw new IllegalArgumentException("SKUs " + a.id() + " and " + b.id() + " price the same readings");
                }
            }
        }
        return new PriceCatalogue(currency, skus);
    }

    public String currency() {
        return currency;
    }

    public List<Sku> skus() {
        return skus;
    }

    /** The SKU pricing readings of that kind: one for the exact spec first, else one for any spec. */
    public Optional<Sku> skuFor(UsageSubjectType type, String unit, String spec) {
        Optional<Sku> exact = skus.stream().filter(s -> s.spec().isPresent() && s.prices(type, unit, spec)).findFirst();
        return exact.isPresent() ? exact : skus.stream().filter(s -> s.spec().isEmpty() && s.prices(type, unit, spec)).findFirst();
    }

    /** The price of {@code sku} in force at {@code t}, if one is. */
    public static Optional<PriceVersion> priceAt(Sku sku, Instant t) {
        return sku.prices().stream().filter(p -> p.inForceAt(t)).findFirst();
    }

    public Optional<Sku> sku(String id) {
        return skus.stream().filter(s -> s.id().equals(id)).findFirst();
    }
}

package dev.dmsmlflow.billing;

import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of billing ({@code dms.billing.*}): the price catalogue, who the bill comes from, period closing and exports.
 * Values read from the environment have their default in application.properties; every other default is here.
 */
@ConfigMapping(prefix = "dms.billing")
public interface BillingConfig {

    /** Currency of every price and charge (ISO 4217). */
    @WithDefault("CNY")
    String currency();

    /** Who provides, publishes and invoices the service (FOCUS ProviderName, PublisherName, InvoiceIssuerName). */
    @WithDefault("DMS MLflow")
    String provider();

    /** Region of this installation (FOCUS RegionId / RegionName). */
    @WithDefault("cn-hangzhou")
    String regionId();

    @WithDefault("China (Hangzhou)")
    String regionName();

    /** The price catalogue: SKU id → its definition. */
    Map<String, SkuConfig> skus();

    Periods periods();

    Export export();

    /** A SKU and its price versions. */
    interface SkuConfig {
        String description();

        UsageSubjectType subjectType();

        /** The UsageMetered unit it prices ({@code instance-hours}, {@code vcpu-hours}, {@code gib-hours}). */
        String unit();

        /** The spec it prices; absent: any spec. */
        Optional<String> spec();

        /** FOCUS PricingUnit / ConsumedUnit. */
        String pricingUnit();

        @WithDefault("DMS MLflow")
        String serviceName();

        List<PriceConfig> prices();
    }

    /** One price version: in force from its date until the next version's. */
    interface PriceConfig {
        /** Short name of the version, unique within the SKU (e.g. {@code 2025-01}); the SkuPriceId is {@code <sku>:<version>}. */
        String version();

        Instant effectiveFrom();

        BigDecimal unitPrice();
    }

    /** Closing billing periods. */
    interface Periods {
        /** Close each workspace's past months automatically this long after they ended (late readings become corrections). */
        @WithDefault("true")
        boolean autoClose();

        @WithDefault("72h")
        Duration closeAfter();

        /** How often the closer looks. */
        @WithDefault("10m")
        Duration checkInterval();
    }

    /** FOCUS exports. */
    interface Export {
        /** Where exports go: {@code local} (a directory) or {@code oss}. */
        @WithDefault("local")
        String sink();

        /** The local sink's directory. Environment: {@code DMS_BILLING_EXPORT_DIR}. */
        @WithDefault("${DMS_BILLING_EXPORT_DIR:.dms/billing-exports}")
        Path directory();

        Oss oss();

        /** Export every workspace's current (and not yet exported previous) period on this schedule; 0 = never. */
        @WithDefault("24h")
        Duration schedule();

        /** How often the worker looks for requested exports. */
        @WithDefault("2s")
        Duration pollInterval();

        /** Rows per file: a period with more is split into parts. */
        @WithDefault("500000")
        int rowsPerFile();

        /** Tries of an export before it is FAILED. */
        @WithDefault("3")
        int maxAttempts();

        /** Where the files are written before they go to the sink. */
        @WithDefault("${java.io.tmpdir}/dms-billing-exports")
        Path workDirectory();
    }

    /** The OSS sink: bucket and prefix; credentials from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET. */
    interface Oss {
        Optional<String> endpoint();

        Optional<String> bucket();

        @WithDefault("billing-exports")
        String prefix();

        @WithDefault("cn-hangzhou")
        String region();
    }
}

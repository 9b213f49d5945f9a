package dev.dmsmlflow.tracking.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Webhook delivery settings under {@code dms.tracking.webhooks}. */
@ConfigMapping(prefix = "dms.tracking.webhooks")
public interface WebhookConfig {
    /** URL schemes a webhook may use (upstream's default: https only). */
    @WithDefault("https")
    List<String> allowedSchemes();

    /**
     * Non-public networks (CIDR) an operator allows as destinations, e.g. {@code 10.0.0.0/8} for an
     * in-VPC receiver. Everything else that is not a public address is refused; link-local and cloud
     * metadata addresses are refused whatever this says.
     */
    Optional<List<String>> allowedNetworks();

    /** Per-request timeout of a delivery. */
    @WithDefault("30s")
    Duration timeout();

    /** Retries after 429/5xx answers or connection failures (backoff 1 s, 2 s, 4 s, ...). */
    @WithDefault("3")
    int maxRetries();

    /** Base64 of a 32-byte AES key encrypting stored secrets; without it a key is generated and kept in the database. */
    Optional<String> secretKey();
}

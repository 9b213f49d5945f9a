package dev.dmsmlflow.platform.quarkus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Settings of the service's embedded outbox relay ({@code dms.relay.*}). */
@ConfigMapping(prefix = "dms.relay")
public interface RelayConfig {

    /** Whether this service runs its relay (a service with nothing to publish may turn it off). */
    @WithDefault("true")
    boolean enabled();

    /** Replication slot and offset name; defaults to the application name with '-' replaced by '_'. */
    Optional<String> slotName();

    /** How long the engine waits for more changes before handing over a partial batch. */
    @WithDefault("20ms")
    Duration pollInterval();

    /** How long relayed outbox rows are kept before pruning. */
    @WithDefault("24h")
    Duration retention();
}

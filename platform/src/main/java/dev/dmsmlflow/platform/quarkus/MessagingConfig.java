package dev.dmsmlflow.platform.quarkus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How every consumer of the service retries ({@code dms.messaging.*}); the one place of these defaults. */
@ConfigMapping(prefix = "dms.messaging")
public interface MessagingConfig {

    Retry retry();

    /** Retries of a record whose handling failed (a database blip, a lock timeout...), in place, keeping its partition's order. */
    interface Retry {
        /** Tries (the first included) before the record is dead-lettered, counted only while the database answers. */
        @WithDefault("5")
        int maxAttempts();

        /** Pause after the first failed try; it doubles after each further one. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** The longest pause between two tries. */
        @WithDefault("5s")
        Duration maxBackoff();
    }
}

package dev.dmsmlflow.tracking.health;

import dev.dmsmlflow.tracking.artifacts.ArtifactStore;
import dev.dmsmlflow.tracking.artifacts.ArtifactStores;
import dev.dmsmlflow.tracking.config.TrackingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;

/**
 * The artifact root ({@code dms.tracking.artifact-root}) can serve artifacts: for a local directory, that it exists
 * and takes a new file; for OSS, that one listing under the prefix is answered (see
 * {@link ArtifactStore#checkAvailable()} of each store). Bounded by {@code dms.tracking.health.artifact-store-timeout}.
 */
@ApplicationScoped
public class ArtifactStoreCheck implements ReadinessCheck {
    @Inject
    ArtifactStores stores;
    @Inject
    TrackingConfig config;

    @Override
    public String name() {
        return "artifact-store";
    }

    @Override
    public Duration timeout() {
        return config.health().artifactStoreTimeout();
    }

    @Override
    public Outcome run() {
        try {
            stores.root().checkAvailable();
            return Outcome.ok();
        } catch (ArtifactStore.Unavailable e) {
            return Outcome.down(e.getMessage(), e.getCause());
        }
    }
}

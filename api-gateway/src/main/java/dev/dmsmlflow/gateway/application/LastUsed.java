package dev.dmsmlflow.gateway.application;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.persistence.ApiKeyRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/** Records when a key was last used, writing at most once per interval per key, off the request's path. */
@ApplicationScoped
public class LastUsed {

    private static final Logger LOG = Logger.getLogger(LastUsed.class);

    private final ApiKeyRepository keys;
    private final Cache<String, Instant> written;

    LastUsed(ApiKeyRepository keys, GatewayConfig config) {
        this.keys = keys;
        Duration interval = config.auth().lastUsedInterval();
        this.written = Caffeine.newBuilder().expireAfterWrite(interval).maximumSize(config.auth().cacheSize()).build();
    }

    public void used(String keyId, Instant at) {
        if (written.asMap().putIfAbsent(keyId, at) != null) {
            return;
        }
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                QuarkusTransaction.requiringNew().run(() -> keys.touch(keyId, at));
            } catch (RuntimeException e) {
                LOG.warnf("could not record the last use of key %s: %s", keyId, e.toString());
            }
        });
    }
}

package dev.dmsmlflow.gateway.application;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.domain.TokenBucket;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** One token bucket per API key, in this replica's memory (with N replicas a key may send up to N times the rate). */
@ApplicationScoped
public class RateLimiter {

    private final double rate;
    private final int burst;
    private final Cache<String, TokenBucket> buckets;

    RateLimiter(GatewayConfig config) {
        this.rate = config.rateLimit().rate();
        this.burst = config.rateLimit().burst();
        // an idle bucket is full again after burst/rate seconds; forgetting it later changes nothing
        this.buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(config.auth().cacheSize()).build();
    }

    /** 0 when the key may send this request, else the seconds to wait (at least 1). */
    public long secondsToWait(String keyId) {
        long now = System.nanoTime();
        long waitNanos = buckets.get(keyId, k -> new TokenBucket(rate, burst, now)).tryTake(now);
        return waitNanos == 0 ? 0 : Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }
}

package dev.dmsmlflow.network.domain;

import java.time.Instant;
import java.util.Set;

/**
 * An MLflow access token of an instance, as stored: never the token itself, only its SHA-256. {@code scope} is
 * {@code read} (GET and the search calls that use POST) or {@code read-write}.
 */
public record AccessToken(String id, String instanceId, String name, String scope, String hash, String createdBy,
                          Instant createdAt, Instant expiresAt, Instant revokedAt) {

    public static final String READ = "read";
    public static final String READ_WRITE = "read-write";
    public static final Set<String> SCOPES = Set.of(READ, READ_WRITE);

    /** Whether it opens the instance at {@code now}. */
    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }

    @Override
    public String toString() {
        return "AccessToken[" + id + " " + name + " " + scope + "]";
    }
}

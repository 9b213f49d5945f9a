package dev.dmsmlflow.network.domain;

import java.time.Instant;
import java.util.Set;

/**
 * An MLflow access token of an instance, as stored: never the token itself, only its SHA-256. {@code scope} is
 * {@code read} (GET and the search calls that use POST) or {@code read-write}; {@code kind} says where it came from:
 * {@code api} (named, made by an editor) or {@code browser} (made by a browser sign-in to the MLflow UI, short-lived).
 */
public record AccessToken(String id, String instanceId, String name, String scope, String hash, String createdBy,
                          Instant createdAt, Instant expiresAt, Instant revokedAt, String kind) {

    public static final String READ = "read";
    public static final String READ_WRITE = "read-write";
    public static final Set<String> SCOPES = Set.of(READ, READ_WRITE);
    public static final String KIND_API = "api";
    public static final String KIND_BROWSER = "browser";

    /** Whether it opens the instance at {@code now}. */
    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }

    @Override
    public String toString() {
        return "AccessToken[" + id + " " + name + " " + scope + "]";
    }
}

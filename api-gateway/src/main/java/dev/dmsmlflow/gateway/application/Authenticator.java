package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.domain.ApiKeyToken;
import dev.dmsmlflow.gateway.domain.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Optional;

/**
 * Turns an {@code Authorization} header into a {@link Caller}: a well-formed, known, unrevoked, unexpired DMS API key
 * whose secret matches the stored hash. On a cache hit nothing blocks, so the forwarding hot path stays on the event loop.
 */
@ApplicationScoped
public class Authenticator {

    /** The result: a caller, or why there is none (said to the client in the 401). */
    public record Outcome(Caller caller, String refusal, String code) {
        static Outcome refused(String why) {
            return new Outcome(null, why, "INVALID_API_KEY");
        }
    }

    private static final String BEARER = "Bearer ";

    private final AccessDirectory directory;
    private final LastUsed lastUsed;
    private final Blocking blocking;

    Authenticator(AccessDirectory directory, LastUsed lastUsed, Blocking blocking) {
        this.directory = directory;
        this.lastUsed = lastUsed;
        this.blocking = blocking;
    }

    public Uni<Outcome> authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().item(new Outcome(null, "An API key is required: send 'Authorization: Bearer dms_<id>_<secret>'.",
                    "MISSING_API_KEY"));
        }
        if (authorization.length() <= BEARER.length() || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().item(Outcome.refused("The Authorization header must be 'Bearer dms_<id>_<secret>'."));
        }
        Optional<ApiKeyToken> token = ApiKeyToken.parse(authorization.substring(BEARER.length()).trim());
        if (token.isEmpty()) {
            return Uni.createFrom().item(Outcome.refused("The bearer token is not a DMS API key (dms_<id>_<secret>)."));
        }
        ApiKeyToken t = token.get();
        Optional<AccessDirectory.KeyRecord> cached = directory.cachedKey(t.id());
        if (cached != null) {
            return Uni.createFrom().item(check(t, cached));
        }
        return blocking.call(() -> check(t, directory.loadKey(t.id())));
    }

    private Outcome check(ApiKeyToken token, Optional<AccessDirectory.KeyRecord> found) {
        if (found.isEmpty() || !token.matches(found.get().secretSha256())) {
            return Outcome.refused("The API key is not valid.");
        }
        AccessDirectory.KeyRecord key = found.get();
        if (key.revokedAt() != null) {
            return new Outcome(null, "The API key has been revoked.", "REVOKED_API_KEY");
        }
        Instant now = Instant.now();
        if (key.expiresAt() != null && !now.isBefore(key.expiresAt())) {
            return new Outcome(null, "The API key expired at " + key.expiresAt() + ".", "EXPIRED_API_KEY");
        }
        lastUsed.used(key.id(), now);
        return new Outcome(new Caller(key.memberId(), key.id(), key.workspaceId()), null, null);
    }
}

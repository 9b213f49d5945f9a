package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.domain.ApiKeyToken;
import dev.dmsmlflow.gateway.domain.Caller;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.runtime.BlockingOperationControl;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Turns an {@code Authorization} header into a {@link Caller}: a well-formed, known, unrevoked, unexpired DMS API key
 * whose secret matches the stored hash. On a cache hit nothing blocks, so the forwarding hot path stays on the event loop.
 * When OIDC is on ({@code quarkus.oidc.tenant-enabled}), a bearer token that is not a DMS API key is verified by the
 * identity provider's keys and mapped to a member ({@link ExternalIdentities}); such a caller acts unscoped, like an
 * unscoped key.
 */
@ApplicationScoped
public class Authenticator {

    /** The result: a caller, or why there is none (said to the client in the 401). */
    public record Outcome(Caller caller, String refusal, String code) {
        static Outcome refused(String why) {
            return new Outcome(null, why, "INVALID_API_KEY");
        }
    }

    private static final Logger LOG = Logger.getLogger(Authenticator.class);
    private static final String BEARER = "Bearer ";

    private final AccessDirectory directory;
    private final LastUsed lastUsed;
    private final Blocking blocking;
    private final boolean oidcEnabled;
    private final Instance<TenantIdentityProvider> oidc;
    private final ExternalIdentities identities;

    Authenticator(AccessDirectory directory, LastUsed lastUsed, Blocking blocking,
                  @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidcEnabled,
                  Instance<TenantIdentityProvider> oidc, ExternalIdentities identities) {
        this.directory = directory;
        this.lastUsed = lastUsed;
        this.blocking = blocking;
        this.oidcEnabled = oidcEnabled;
        this.oidc = oidc;
        this.identities = identities;
    }

    public Uni<Outcome> authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().item(new Outcome(null, "An API key is required: send 'Authorization: Bearer dms_<id>_<secret>'.",
                    "MISSING_API_KEY"));
        }
        if (authorization.length() <= BEARER.length() || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().item(Outcome.refused("The Authorization header must be 'Bearer dms_<id>_<secret>'."));
        }
        String bearer = authorization.substring(BEARER.length()).trim();
        if (oidcEnabled && !bearer.startsWith(ApiKeyToken.PREFIX)) {
            return viaIdentityProvider(bearer);
        }
        Optional<ApiKeyToken> token = ApiKeyToken.parse(bearer);
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

    private Uni<Outcome> viaIdentityProvider(String token) {
        Uni<Optional<JsonWebToken>> verified = oidc.get().authenticate(new AccessTokenCredential(token))
                .map(identity -> Optional.of(jwt(identity)))
                .onFailure().recoverWithItem(e -> {
                    LOG.debugf("bearer token refused by the identity provider check: %s", e.toString());
                    return Optional.empty();
                });
        if (BlockingOperationControl.isBlockingAllowed()) {
            // a worker thread stays one: wait here rather than resume the request on the event loop
            Optional<JsonWebToken> jwt = verified.await().atMost(Duration.ofSeconds(10));
            return Uni.createFrom().item(jwt.map(this::member).orElseGet(Authenticator::notVerified));
        }
        return verified.flatMap(jwt -> {
            if (jwt.isEmpty()) {
                return Uni.createFrom().item(notVerified());
            }
            String cached = identities.cached(jwt.get().getIssuer(), jwt.get().getSubject());
            return cached != null ? Uni.createFrom().item(caller(cached)) : blocking.call(() -> member(jwt.get()));
        });
    }

    private Outcome member(JsonWebToken jwt) {
        String cached = identities.cached(jwt.getIssuer(), jwt.getSubject());
        return caller(cached != null ? cached : identities.memberFor(jwt.getIssuer(), jwt.getSubject(), displayName(jwt)));
    }

    private static Outcome caller(String memberId) {
        return new Outcome(new Caller(memberId, null, null), null, null);
    }

    private static JsonWebToken jwt(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getIssuer() != null && jwt.getSubject() != null) {
            return jwt;
        }
        throw new IllegalStateException("the identity provider's token has no issuer or subject");
    }

    private static Outcome notVerified() {
        return new Outcome(null, "The bearer token is neither a DMS API key nor a valid token of the identity provider.", "INVALID_TOKEN");
    }

    /** The member's name on first sign-in: the token's name, preferred_username or upn, else the subject. */
    static String displayName(JsonWebToken jwt) {
        for (String claim : new String[] {"name", "preferred_username", "upn"}) {
            Object v = jwt.getClaim(claim);
            if (v != null) {
                String s = String.valueOf(v).replaceAll("\\p{Cntrl}", "").trim();
                if (!s.isEmpty()) {
                    return s.length() > 100 ? s.substring(0, 100) : s;
                }
            }
        }
        String sub = jwt.getSubject();
        return sub.length() > 100 ? sub.substring(0, 100) : sub;
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

package dev.dmsmlflow.network.application;

import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkLifecycle;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.persistence.AccessTokenRepository;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.ProviderException;
import dev.dmsmlflow.platform.problem.ProblemException;
import dev.dmsmlflow.platform.validation.Text;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * MLflow access tokens of an instance and its authentication mode. A token is {@code mlft_<id>_<secret>} (256 random
 * bits), shown once at creation and stored only as its SHA-256; the load balancer learns the hashes of the active tokens
 * (locally: the proxy, in memory) whenever they change, right after the change commits and outside its transaction
 * ({@link LoadBalancerSync}), and at every restart.
 */
@ApplicationScoped
public class AccessTokens {

    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Tokens an instance holds at most (revoked ones do not count). */
    public static final int MAX_ACTIVE = 100;
    public static final int MAX_NAME = 64;
    public static final int MAX_DAYS = 3650;

    /**
     * A created token: the only time the token itself is seen. {@code pending} when the load balancer could not be told
     * yet (the worker retries; until then the token is refused).
     */
    public record Created(AccessToken token, String secret, boolean pending) {
        Created(AccessToken token, String secret) {
            this(token, secret, false);
        }

        @Override
        public String toString() {
            return "Created[" + token + "]";
        }
    }

    private final AccessTokenRepository tokens;
    private final NetworkRepository networks;
    private final LoadBalancers loadBalancers;
    private final LoadBalancerSync sync;

    public AccessTokens(AccessTokenRepository tokens, NetworkRepository networks, LoadBalancers loadBalancers, LoadBalancerSync sync) {
        this.sync = sync;
        this.tokens = tokens;
        this.networks = networks;
        this.loadBalancers = loadBalancers;
    }

    /** Creates a token (committed first), then tells the load balancer outside the transaction. */
    public Created create(String workspaceId, String instanceId, String name, String scope, Integer expiresInDays, String createdBy) {
        Created c = QuarkusTransaction.requiringNew().call(() -> record(workspaceId, instanceId, name, scope, expiresInDays, createdBy));
        return sync.tokensChanged(instanceId) ? c : new Created(c.token(), c.secret(), true);
    }

    private Created record(String workspaceId, String instanceId, String name, String scope, Integer expiresInDays, String createdBy) {
        active(workspaceId, instanceId);
        if (name == null || name.isBlank()) {
            throw ProblemException.invalidField("name", "a name for the token is required");
        }
        Text.require("name", name);
        if (name.length() > MAX_NAME) {
            throw ProblemException.invalidField("name", "must be at most " + MAX_NAME + " characters");
        }
        if (scope == null || !AccessToken.SCOPES.contains(scope)) {
            throw ProblemException.invalidField("scope", "must be one of " + AccessToken.READ + ", " + AccessToken.READ_WRITE);
        }
        if (expiresInDays != null && (expiresInDays < 1 || expiresInDays > MAX_DAYS)) {
            throw ProblemException.invalidField("expiresInDays", "must be between 1 and " + MAX_DAYS);
        }
        Instant now = Instant.now();
        tokens.lockInstance(instanceId); // counting and adding atomic: see there
        long live = tokens.all(instanceId).stream().filter(t -> AccessToken.KIND_API.equals(t.kind()) && t.activeAt(now)).count();
        if (live >= MAX_ACTIVE) {
            throw ProblemException.quotaExceeded("ACCESS_TOKEN_QUOTA", "An instance holds at most " + MAX_ACTIVE
                    + " active access tokens; revoke one first.");
        }
        Created c = mint(instanceId, name.trim(), scope, createdBy, now,
                expiresInDays == null ? null : now.plus(Duration.ofDays(expiresInDays)), AccessToken.KIND_API);
        LOG.infof("access token %s (%s) of instance %s created by %s", c.token().id(), scope, instanceId, createdBy);
        return c;
    }

    /** Name of the tokens a browser sign-in makes. */
    public static final String BROWSER_TOKEN_NAME = "browser sign-in";

    /**
     * A token for a browser signing in to the instance's MLflow UI (the caller's transaction: the one that spent the
     * sign-in code): kind {@code browser}, valid {@code lifetime}, not counted against {@link #MAX_ACTIVE}; a member holds
     * at most {@code perMember} of them, so their oldest is revoked when a new one would pass it. The caller tells the load
     * balancer after its commit ({@link LoadBalancerSync#tokensChanged}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Created createForBrowser(Network n, String memberId, String scope, Duration lifetime, int perMember) {
        Instant now = Instant.now();
        tokens.lockInstance(n.instanceId());
        List<AccessToken> mine = tokens.all(n.instanceId()).stream()
                .filter(t -> AccessToken.KIND_BROWSER.equals(t.kind()) && memberId.equals(t.createdBy()) && t.activeAt(now))
                .toList(); // oldest first
        for (int i = 0; i <= mine.size() - perMember; i++) {
            tokens.revoke(n.instanceId(), mine.get(i).id(), now);
            LOG.infof("access token %s of instance %s revoked: %s signed in with more than %d browsers", mine.get(i).id(),
                    n.instanceId(), memberId, perMember);
        }
        Created c = mint(n.instanceId(), BROWSER_TOKEN_NAME, scope, memberId, now, now.plus(lifetime), AccessToken.KIND_BROWSER);
        LOG.infof("access token %s (%s, browser sign-in) of instance %s created for %s", c.token().id(), scope, n.instanceId(), memberId);
        return c;
    }

    private Created mint(String instanceId, String name, String scope, String createdBy, Instant now, Instant expiresAt, String kind) {
        byte[] idBytes = new byte[6];
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secretBytes);
        String id = "tok_" + HexFormat.of().formatHex(idBytes);
        String secret = "mlft_" + id.substring(4) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        AccessToken t = new AccessToken(id, instanceId, name, scope, hash(secret), createdBy, now, expiresAt, null, kind);
        tokens.insert(t);
        return new Created(t, secret);
    }

    /** The instance's tokens, revoked ones included, without secrets. */
    public List<AccessToken> list(String workspaceId, String instanceId) {
        networks.find(instanceId).filter(f -> f.workspaceId().equals(workspaceId))
                .orElseThrow(() -> ProblemException.notFound("no network for instance " + instanceId));
        return tokens.all(instanceId);
    }

    /**
     * Revokes a token (committed first), then tells the load balancer outside the transaction. Returns false when the load
     * balancer could not be told yet: the revocation stands and the worker retries telling it.
     */
    public boolean revoke(String workspaceId, String instanceId, String tokenId) {
        boolean changed = QuarkusTransaction.requiringNew().call(() -> {
            active(workspaceId, instanceId);
            if (tokens.find(instanceId, tokenId).isEmpty()) {
                throw ProblemException.notFound("no token " + tokenId + " for instance " + instanceId);
            }
            return tokens.revoke(instanceId, tokenId, Instant.now());
        });
        if (!changed) {
            return true;
        }
        LOG.infof("access token %s of instance %s revoked", tokenId, instanceId);
        return sync.tokensChanged(instanceId);
    }

    /**
     * Records the instance's authentication mode (saga: InstanceRequested, InstanceUpdated) in the caller's transaction;
     * the network worker tells the load balancer afterwards ({@link #apply}), outside any transaction.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void setMode(Network n, String mode) {
        String m = "token".equals(mode) ? "token" : "network";
        if (m.equals("token") && !loadBalancers.checksTokens()) {
            LOG.warnf("instance %s asks for token mode, which the %s load balancers do not check; it stays in network mode",
                    n.instanceId(), loadBalancers.getClass().getSimpleName());
            return;
        }
        networks.setAuthMode(n.instanceId(), m);
    }

    /** The modes the load balancers enforce: network always, token only where they check MLflow tokens. */
    public List<String> supportedModes() {
        return loadBalancers.checksTokens() ? List.of("network", "token") : List.of("network");
    }

    /**
     * The tokens the instance's own tracking server checks (where the load balancer cannot: Alibaba Cloud): those active
     * now, as stored (hashes, never tokens). Empty when no network of the instance is known or it is released. No workspace
     * check: the caller has proved to be that instance's tracking server.
     */
    public java.util.Optional<List<AccessToken>> activeForTrackingServer(String instanceId) {
        return networks.find(instanceId).filter(n -> n.status() != NetworkStatus.RELEASED).map(n -> {
            Instant now = Instant.now();
            return tokens.all(instanceId).stream().filter(t -> t.activeAt(now)).toList();
        });
    }

    public String mode(String instanceId) {
        return networks.authMode(instanceId);
    }

    /**
     * Tells the load balancer of {@code n} the mode and the active tokens as committed (the worker's steps, a restart),
     * outside any transaction ({@link LoadBalancerSync#applyAuth}); a refusal fails the caller's step, which is retried.
     */
    public void apply(Network n) {
        try {
            sync.applyAuth(n);
        } catch (ProviderException e) {
            throw new IllegalStateException("the load balancer of " + n.instanceId() + " did not take its tokens: " + e.getMessage(), e);
        }
    }

    private Network active(String workspaceId, String instanceId) {
        Network n = networks.find(instanceId).filter(f -> f.workspaceId().equals(workspaceId))
                .orElseThrow(() -> ProblemException.notFound("no network for instance " + instanceId));
        if (NetworkLifecycle.on(n, NetworkLifecycle.Event.CHANGE_TOKENS).isEmpty()) {
            throw ProblemException.conflict("the network of instance " + instanceId + " is " + n.status() + ", not ACTIVE");
        }
        return n;
    }

    /** SHA-256 (hex) of a token. */
    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

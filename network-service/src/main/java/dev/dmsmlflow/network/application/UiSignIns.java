package dev.dmsmlflow.network.application;

import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.persistence.AccessTokenRepository;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.SignInCodes;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Browser sign-in to the MLflow UI of an instance in token mode. A browser opening the UI sends no token, so a member asks
 * for a link ({@link #issue}): a one-time code (256 random bits, kept only as its SHA-256, valid a minute) on a path the
 * load balancer reserves for itself. The load balancer spends the code ({@link #redeem}) and gets a short-lived access
 * token of the member (read for a viewer, read-write for an editor or owner), which it sets as a cookie: a token like any
 * other, listed, revocable, refused once the instance leaves token mode's checks.
 */
@ApplicationScoped
public class UiSignIns implements SignInCodes {

    private static final Logger LOG = Logger.getLogger(UiSignIns.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The path of the load balancer that takes the code; never forwarded to the tracking server. */
    public static final String PATH = "/.dms/sign-in";

    /** A link just made: shown once, never stored or logged. */
    public record Issued(String url, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[url <redacted>, until " + expiresAt + "]";
        }
    }

    private final NetworkRepository networks;
    private final AccessTokenRepository tokens;
    private final AccessTokens accessTokens;
    private final NetworkConfig.UiSignIn config;
    private final LoadBalancerSync sync;

    public UiSignIns(NetworkRepository networks, AccessTokenRepository tokens, AccessTokens accessTokens, NetworkConfig config,
                     LoadBalancerSync sync) {
        this.sync = sync;
        this.networks = networks;
        this.tokens = tokens;
        this.accessTokens = accessTokens;
        this.config = config.uiSignIn();
    }

    /**
     * A sign-in link to the instance's UI for the member: 404 for another workspace's (or no) instance, 409 when its
     * network is not ACTIVE or it is not in token mode. The scope follows the role: read for a viewer, read-write above.
     */
    @Transactional
    public Issued issue(String workspaceId, String instanceId, String memberId, Role role) {
        Network n = networks.find(instanceId).filter(f -> f.workspaceId().equals(workspaceId))
                .orElseThrow(() -> ProblemException.notFound("no network for instance " + instanceId));
        if (n.status() != NetworkStatus.ACTIVE || n.vpcAddress() == null || n.vpcPort() == null) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409, "the network of instance "
                    + instanceId + " is " + n.status() + ", not ACTIVE: its MLflow UI cannot be opened", null).withCode("NETWORK_NOT_ACTIVE"));
        }
        if (!"token".equals(networks.authMode(instanceId))) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409, "instance " + instanceId
                    + " is not in token mode: its MLflow UI needs no sign-in (the ACL decides who reaches it)", null)
                    .withCode("AUTH_MODE_NOT_TOKEN"));
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant now = Instant.now();
        Instant expires = now.plus(config.codeLifetime());
        String scope = role.includes(Role.EDITOR) ? AccessToken.READ_WRITE : AccessToken.READ;
        tokens.insertCode(AccessTokens.hash(code), instanceId, workspaceId, memberId, scope, now, expires);
        LOG.infof("UI sign-in link (%s) to instance %s issued for %s", scope, instanceId, memberId);
        String base = "http://" + n.vpcAddress() + (n.vpcPort() == 80 ? "" : ":" + n.vpcPort());
        return new Issued(base + PATH + "?code=" + code, expires);
    }

    /**
     * Spends {@code code} for the instance: the first use only, whatever the outcome, so a code named at another instance
     * (or expired) is gone too. The access token is made in the same transaction; after the commit, outside it, the load
     * balancer is told before this returns. Blocking (JDBC): the load balancer calls it off its event loop.
     */
    @Override
    public Optional<SignedIn> redeem(String instanceId, String code) {
        if (code == null || code.length() != 43) {
            return Optional.empty();
        }
        Optional<SignedIn> signedIn = QuarkusTransaction.requiringNew().call(() -> spend(instanceId, code));
        if (signedIn.isPresent() && !sync.tokensChanged(instanceId)) {
            LOG.warnf("the load balancer of %s has not learnt a browser sign-in's token yet; it is refused until it has", instanceId);
        }
        return signedIn;
    }

    private Optional<SignedIn> spend(String instanceId, String code) {
        Instant now = Instant.now();
        Optional<AccessTokenRepository.SpentCode> spent = tokens.spendCode(AccessTokens.hash(code), now);
        if (spent.isEmpty()) {
            return Optional.empty();
        }
        AccessTokenRepository.SpentCode c = spent.get();
        if (!c.instanceId().equals(instanceId) || !now.isBefore(c.expiresAt())) {
            LOG.infof("UI sign-in code of instance %s refused at %s (%s)", c.instanceId(), instanceId,
                    c.instanceId().equals(instanceId) ? "expired" : "another instance");
            return Optional.empty();
        }
        Optional<Network> n = networks.find(instanceId)
                .filter(f -> f.status() == NetworkStatus.ACTIVE && f.workspaceId().equals(c.workspaceId()));
        if (n.isEmpty() || !"token".equals(networks.authMode(instanceId))) {
            return Optional.empty();
        }
        AccessTokens.Created created = accessTokens.createForBrowser(n.get(), c.memberId(), c.scope(), config.tokenLifetime(),
                config.tokensPerMember());
        return Optional.of(new SignedIn(created.secret(), created.token().expiresAt()));
    }
}

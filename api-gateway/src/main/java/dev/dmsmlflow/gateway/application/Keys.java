package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.ApiKeyToken;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.gateway.persistence.ApiKeyEntity;
import dev.dmsmlflow.gateway.persistence.ApiKeyRepository;
import dev.dmsmlflow.gateway.persistence.MembershipRepository;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * API keys: a member's own keys, and the keys an owner issues to members of their workspace (always scoped to it, so an
 * owner never obtains a credential reaching another workspace). A scoped key only issues, lists and revokes keys of
 * its own workspace, so it can never be turned into a wider one.
 */
@ApplicationScoped
public class Keys {

    /** A newly issued key: the row and the token, shown to the caller once. */
    public record Issued(ApiKeyEntity key, ApiKeyToken token) {
        @Override
        public String toString() {
            return "Issued[" + key + "]";
        }
    }

    /** Longest expiry a key may be given (omit the expiry for none). */
    public static final java.time.Duration MAX_LIFETIME = java.time.Duration.ofDays(3653);

    private final ApiKeyRepository keys;
    private final MembershipRepository memberships;
    private final AccessDirectory directory;
    private final AfterCommit afterCommit;
    private final SecureRandom random = new SecureRandom();

    Keys(ApiKeyRepository keys, MembershipRepository memberships, AccessDirectory directory, AfterCommit afterCommit) {
        this.keys = keys;
        this.memberships = memberships;
        this.directory = directory;
        this.afterCommit = afterCommit;
    }

    /** A key for the caller: scoped to {@code workspaceId} if given (a scoped caller's keys stay in its workspace). */
    @Transactional
    public Issued createOwn(Caller caller, String name, String workspaceId, Instant expiresAt) {
        String scope = workspaceId;
        if (scope == null) {
            scope = caller.keyWorkspaceId();
        } else if (!caller.keyReaches(scope) || memberships.find(scope, caller.memberId()).isEmpty()) {
            throw Authorizer.workspaceNotFound(scope);
        }
        return issue(caller.memberId(), scope, name, expiresAt, caller.memberId());
    }

    @Transactional
    public List<ApiKeyEntity> listOwn(Caller caller, String afterId, int limit) {
        return keys.pageOfMember(caller.memberId(), caller.keyWorkspaceId(), afterId, limit);
    }

    @Transactional
    public void revokeOwn(Caller caller, String keyId) {
        ApiKeyEntity key = keys.findById(keyId);
        if (key == null || !key.memberId.equals(caller.memberId()) || (caller.scoped() && !caller.keyWorkspaceId().equals(key.workspaceId))) {
            throw ProblemException.notFound("No API key '" + keyId + "' of yours.");
        }
        revoke(key);
    }

    /** An owner issues a key for a member of their workspace, scoped to it. */
    @Transactional
    public Issued createForMember(Access owner, String memberId, String name, Instant expiresAt) {
        if (memberships.find(owner.workspaceId(), memberId).isEmpty()) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400,
                    "'" + memberId + "' is not a member of workspace '" + owner.workspaceId() + "'.", "memberId").withCode("NOT_A_MEMBER"));
        }
        return issue(memberId, owner.workspaceId(), name, expiresAt, owner.memberId());
    }

    @Transactional
    public List<ApiKeyEntity> listOfWorkspace(Access owner, String afterId, int limit) {
        return keys.pageOfWorkspace(owner.workspaceId(), afterId, limit);
    }

    @Transactional
    public void revokeInWorkspace(Access owner, String keyId) {
        ApiKeyEntity key = keys.findById(keyId);
        if (key == null || !owner.workspaceId().equals(key.workspaceId)) {
            throw ProblemException.notFound("No API key '" + keyId + "' in workspace '" + owner.workspaceId() + "'.");
        }
        revoke(key);
    }

    /** Creates a key row for {@code memberId}; only the secret's hash is stored. Runs in the caller's transaction. */
    public Issued issue(String memberId, String workspaceId, String name, Instant expiresAt, String createdBy) {
        Instant now = Instant.now();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400,
                    "'expiresAt' must be in the future.", "expiresAt").withCode("PAST"));
        }
        if (expiresAt != null && expiresAt.isAfter(now.plus(MAX_LIFETIME))) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400,
                    "'expiresAt' must be at most 10 years ahead; omit it for a key that does not expire.", "expiresAt").withCode("TOO_FAR"));
        }
        ApiKeyToken token = ApiKeyToken.generate(random);
        ApiKeyEntity key = new ApiKeyEntity();
        key.id = token.id();
        key.memberId = memberId;
        key.workspaceId = workspaceId;
        key.name = name;
        key.secretSha256 = token.secretSha256();
        key.createdBy = createdBy;
        key.createdAt = now;
        key.expiresAt = expiresAt;
        keys.persist(key);
        afterCommit.run(() -> directory.forgetKey(key.id));
        return new Issued(key, token);
    }

    private void revoke(ApiKeyEntity key) {
        String id = key.id;
        keys.revoke(id, Instant.now());
        afterCommit.run(() -> directory.forgetKey(id));
    }
}

package dev.dmsmlflow.network.persistence;

import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The access tokens and UI sign-in codes (Hibernate ORM with Panache); reads join the caller's transaction or run without
 * one (as {@link NetworkRepository}'s), writes need the caller's. Both are written once and then changed only by a compare-and-set (a token's
 * {@code revoked_at IS NULL}, a code's {@code used_at IS NULL}), so neither needs a version.
 */
@ApplicationScoped
@ActivateRequestContext
@Transactional(Transactional.TxType.SUPPORTS)
public class AccessTokenRepository implements PanacheRepositoryBase<AccessTokenEntity, String> {

    @Transactional(Transactional.TxType.MANDATORY)
    public void insert(AccessToken t) {
        AccessTokenEntity e = new AccessTokenEntity();
        e.tokenId = t.id();
        e.instanceId = t.instanceId();
        e.name = t.name();
        e.scope = t.scope();
        e.tokenHash = t.hash();
        e.createdBy = t.createdBy();
        e.createdAt = t.createdAt();
        e.expiresAt = t.expiresAt();
        e.kind = t.kind();
        persist(e);
    }

    /** Every token of the instance (revoked ones too), oldest first. */
    public List<AccessToken> all(String instanceId) {
        fresh();
        return list("instanceId", Sort.by("createdAt").and("tokenId"), instanceId).stream().map(AccessTokenRepository::map).toList();
    }

    public Optional<AccessToken> find(String instanceId, String tokenId) {
        fresh();
        return find("instanceId = ?1 and tokenId = ?2", instanceId, tokenId).firstResultOptional().map(AccessTokenRepository::map);
    }

    /** Marks the token revoked; false when it was not there or already revoked. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean revoke(String instanceId, String tokenId, Instant at) {
        return update("revokedAt = ?1 where instanceId = ?2 and tokenId = ?3 and revokedAt is null", at, instanceId, tokenId) == 1;
    }

    /**
     * Takes the instance's token lock until the transaction ends (a PostgreSQL transaction-level advisory lock), so that
     * counting its active tokens and adding one are atomic (the quota of an instance, the browser tokens per member). A
     * lock is the right tool here rather than a version: two creations read no row the other changes.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lockInstance(String instanceId) {
        AdvisoryLocks.lockUntilCommit(getEntityManager(), "access-tokens", instanceId);
    }

    /** A stored sign-in code, as spent: whose it was and until when it was good. */
    public record SpentCode(String instanceId, String workspaceId, String memberId, String scope, Instant expiresAt) {
    }

    /** Stores a sign-in code by its hash; expired codes older than an hour are dropped on the way. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void insertCode(String codeHash, String instanceId, String workspaceId, String memberId, String scope, Instant createdAt,
                           Instant expiresAt) {
        getEntityManager().createQuery("delete from UiSignInCodeEntity where expiresAt < :before")
                .setParameter("before", createdAt.minusSeconds(3600)).executeUpdate();
        UiSignInCodeEntity c = new UiSignInCodeEntity();
        c.codeHash = codeHash;
        c.instanceId = instanceId;
        c.workspaceId = workspaceId;
        c.memberId = memberId;
        c.scope = scope;
        c.createdAt = createdAt;
        c.expiresAt = expiresAt;
        getEntityManager().persist(c);
    }

    /**
     * Spends the code: the first call gets it (whatever instance it is of), every later one nothing. The conditional update
     * decides: of two transactions spending one code, the second waits for the first's row and then finds it used.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<SpentCode> spendCode(String codeHash, Instant at) {
        int spent = getEntityManager().createQuery("update UiSignInCodeEntity set usedAt = :at where codeHash = :hash and usedAt is null")
                .setParameter("at", at).setParameter("hash", codeHash).executeUpdate();
        if (spent != 1) {
            return Optional.empty();
        }
        UiSignInCodeEntity c = getEntityManager().find(UiSignInCodeEntity.class, codeHash);
        return Optional.of(new SpentCode(c.instanceId, c.workspaceId, c.memberId, c.scope, c.expiresAt));
    }

    private static AccessToken map(AccessTokenEntity e) {
        return new AccessToken(e.tokenId, e.instanceId, e.name, e.scope, e.tokenHash, e.createdBy, e.createdAt, e.expiresAt,
                e.revokedAt, e.kind);
    }

    /**
     * Outside a transaction reads run without one (autocommit, so no session of this service sits idle in a transaction
     * while it reads) in the request's read-only session; that session is emptied first, so a read never answers an entity
     * as an earlier read of the same request left it.
     */
    private void fresh() {
        if (!QuarkusTransaction.isActive()) {
            getEntityManager().clear();
        }
    }
}

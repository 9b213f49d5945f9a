package dev.dmsmlflow.gateway.application;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.persistence.ApiKeyEntity;
import dev.dmsmlflow.gateway.persistence.ApiKeyRepository;
import dev.dmsmlflow.gateway.persistence.MembershipRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Optional;

/**
 * What authentication and authorization read on every request, cached briefly: API keys by id (absent ones too, so
 * random keys do not reach the database) and members' roles per workspace. Changes made through this replica
 * invalidate the entries at once (after commit); other replicas see them within {@code dms.gateway.auth.cache-ttl}.
 */
@ApplicationScoped
public class AccessDirectory {

    /** What authentication needs of a key; the hash is of a high-entropy secret and is never logged. */
    public record KeyRecord(String id, String memberId, String workspaceId, String secretSha256, Instant expiresAt,
                            Instant revokedAt) {
        @Override
        public String toString() {
            return "KeyRecord[" + id + ", member " + memberId + ", workspace " + workspaceId + "]";
        }
    }

    private final ApiKeyRepository keys;
    private final MembershipRepository memberships;
    private final Cache<String, Optional<KeyRecord>> keyCache;
    private final Cache<String, Optional<Role>> roleCache;

    AccessDirectory(ApiKeyRepository keys, MembershipRepository memberships, GatewayConfig config) {
        this.keys = keys;
        this.memberships = memberships;
        this.keyCache = Caffeine.newBuilder().expireAfterWrite(config.auth().cacheTtl())
                .maximumSize(config.auth().cacheSize()).build();
        this.roleCache = Caffeine.newBuilder().expireAfterWrite(config.auth().cacheTtl())
                .maximumSize(config.auth().cacheSize()).build();
    }

    /** The cached answer for a key id, or null when this replica has none (then {@link #loadKey}). */
    public Optional<KeyRecord> cachedKey(String id) {
        return keyCache.getIfPresent(id);
    }

    /** Reads a key from the database (blocking) and caches the answer. */
    public Optional<KeyRecord> loadKey(String id) {
        Optional<KeyRecord> record = QuarkusTransaction.requiringNew().call(() -> keys.findByIdOptional(id).map(AccessDirectory::record));
        keyCache.put(id, record);
        return record;
    }

    public Optional<Role> cachedRole(String memberId, String workspaceId) {
        return roleCache.getIfPresent(roleKey(memberId, workspaceId));
    }

    /** Reads a member's role in a workspace from the database (blocking) and caches the answer. */
    public Optional<Role> loadRole(String memberId, String workspaceId) {
        Optional<Role> role = QuarkusTransaction.requiringNew().call(() -> memberships.find(workspaceId, memberId)
                .flatMap(m -> Role.parse(m.role)));
        roleCache.put(roleKey(memberId, workspaceId), role);
        return role;
    }

    public void forgetKey(String id) {
        keyCache.invalidate(id);
    }

    public void forgetRole(String memberId, String workspaceId) {
        roleCache.invalidate(roleKey(memberId, workspaceId));
    }

    private static String roleKey(String memberId, String workspaceId) {
        return memberId + '\u0000' + workspaceId;
    }

    private static KeyRecord record(ApiKeyEntity k) {
        return new KeyRecord(k.id, k.memberId, k.workspaceId, k.secretSha256, k.expiresAt, k.revokedAt);
    }
}

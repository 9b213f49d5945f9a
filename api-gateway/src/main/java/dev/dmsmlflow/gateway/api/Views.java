package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.Workspaces;
import dev.dmsmlflow.gateway.persistence.ApiKeyEntity;
import dev.dmsmlflow.gateway.persistence.AuditEntryEntity;

import java.time.Instant;

/** The one place where the gateway's rows become what the API shows. */
final class Views {

    private Views() {
    }

    static WorkspaceView workspace(Workspaces.WorkspaceWithRole w) {
        return new WorkspaceView(w.workspace().id, w.workspace().name, w.role(), w.workspace().createdAt, w.workspace().updatedAt);
    }

    static MemberView member(Workspaces.Member m) {
        return new MemberView(m.member().id, m.member().displayName, dev.dmsmlflow.gateway.domain.Role.fromWire(m.membership().role),
                m.membership().addedAt);
    }

    static ApiKeyView key(ApiKeyEntity k) {
        return new ApiKeyView(k.id, k.memberId, k.workspaceId, k.name, status(k), k.createdBy, k.createdAt, k.expiresAt,
                k.lastUsedAt, k.revokedAt);
    }

    static NewApiKeyView newKey(ApiKeyEntity k, String token) {
        return new NewApiKeyView(k.id, k.memberId, k.workspaceId, k.name, status(k), k.createdBy, k.createdAt, k.expiresAt, token);
    }

    static AuditEntryView audit(AuditEntryEntity a) {
        return new AuditEntryView(a.id, a.occurredAt, a.requestId, a.memberId, a.keyId, a.workspaceId, a.action, a.resourceType,
                a.resourceId, a.outcome, a.method, a.path);
    }

    private static ApiKeyView.Status status(ApiKeyEntity k) {
        if (k.revokedAt != null) {
            return ApiKeyView.Status.revoked;
        }
        if (k.expiresAt != null && !Instant.now().isBefore(k.expiresAt)) {
            return ApiKeyView.Status.expired;
        }
        return ApiKeyView.Status.active;
    }
}

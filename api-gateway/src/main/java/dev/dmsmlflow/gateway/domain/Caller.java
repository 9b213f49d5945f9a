package dev.dmsmlflow.gateway.domain;

/**
 * An authenticated caller: the member an API key belongs to, the key, and the one workspace the key is scoped to
 * ({@code null} for an unscoped key, which reaches every workspace of the member). A member signed in through the
 * identity provider (OIDC) has no key and is unscoped.
 */
public record Caller(String memberId, String keyId, String keyWorkspaceId) {

    /** Whether this key may reach {@code workspaceId} at all (membership is checked separately). */
    public boolean keyReaches(String workspaceId) {
        return keyWorkspaceId == null || keyWorkspaceId.equals(workspaceId);
    }

    /** What the rate limit counts: the key, or the member when signed in without one. */
    public String rateKey() {
        return keyId != null ? keyId : "member:" + memberId;
    }

    public boolean scoped() {
        return keyWorkspaceId != null;
    }
}

package dev.dmsmlflow.platform.auth;

import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * Who is calling, as the gateway's verified service token says (docs/identity.md): the member ({@code sub}), the
 * workspace the call acts in ({@code dms_ws}) and the member's role there ({@code dms_role}). Resource code injects it
 * and scopes everything to {@link #workspaceId()} itself, so a gateway bug cannot let one workspace reach another.
 * Reading any of it outside an authenticated request answers 401.
 */
@RequestScoped
public class Caller {

    /**
     * Looked up when first needed rather than injected: a module without a security extension (the gateway, which also
     * depends on the platform) has no SecurityIdentity bean, and must still build.
     */
    @Inject
    Instance<SecurityIdentity> identity;

    private ServiceToken token;

    private ServiceToken token() {
        if (token == null) {
            token = ServiceToken.of(identity.get().getPrincipal());
        }
        return token;
    }

    /** The verified member id: the actor to record in events, never a header the caller chose. */
    public String principal() {
        return token().principal();
    }

    /** The workspace this call acts in. */
    public String workspaceId() {
        return token().workspaceId();
    }

    public Role role() {
        return token().role();
    }

    /** The encoded token, to forward as {@code Authorization: Bearer} when calling another service on the caller's behalf. */
    public String bearerToken() {
        return token().raw();
    }

    /** 403 problem+json unless the caller's role includes {@code needed} (a viewer's mutation). */
    public void requireRole(Role needed) {
        if (!role().includes(needed)) {
            throw new ProblemException(Problem.of("forbidden", "Forbidden", 403,
                    "This needs the " + needed.claim() + " role in workspace " + workspaceId() + "; the caller is "
                            + role().claim() + ".", null));
        }
    }

    /**
     * 404 problem+json with {@code notFoundDetail} (the very answer a nonexistent id gets, so ids of other workspaces
     * do not leak) unless the resource belongs to the caller's workspace.
     */
    public void requireWorkspace(String resourceWorkspaceId, String notFoundDetail) {
        if (!workspaceId().equals(resourceWorkspaceId)) {
            throw ProblemException.notFound(notFoundDetail);
        }
    }

    /** Whether the resource of {@code resourceWorkspaceId} belongs to the caller's workspace. */
    public boolean sees(String resourceWorkspaceId) {
        return workspaceId().equals(resourceWorkspaceId);
    }

    @Override
    public String toString() {
        return "Caller[" + (token == null ? "unread" : token.toString()) + "]";
    }
}

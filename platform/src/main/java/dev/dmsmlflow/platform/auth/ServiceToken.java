package dev.dmsmlflow.platform.auth;

import io.quarkus.security.AuthenticationFailedException;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.security.Principal;
import java.util.regex.Pattern;

/**
 * The claims of a verified gateway service token that services act on. Kept apart from {@link Caller} so that only
 * this class refers to the JWT API, which the platform does not pass on to every module (see platform/pom.xml).
 *
 * @param principal the member id ({@code sub}), the actor services record in their events
 * @param workspaceId the workspace the call acts in ({@code dms_ws})
 * @param role the member's role in it ({@code dms_role})
 * @param raw the encoded token, to forward on calls made on the caller's behalf; never logged
 */
record ServiceToken(String principal, String workspaceId, Role role, String raw) {

    static final String WORKSPACE_CLAIM = "dms_ws";
    static final String ROLE_CLAIM = "dms_role";
    /** Workspace ids are what every service stores (1-128 of letters, digits, '.', '_', '-'). */
    private static final Pattern WORKSPACE = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final int MAX_PRINCIPAL = 255;

    /** The claims of the identity's principal; 401 when it is not a service token or lacks a claim services need. */
    static ServiceToken of(Principal principal) {
        if (!(principal instanceof JsonWebToken jwt) || jwt.getRawToken() == null) {
            throw new AuthenticationFailedException("not authenticated with a service token");
        }
        String sub = jwt.getSubject();
        if (sub == null || sub.isBlank() || sub.length() > MAX_PRINCIPAL) {
            throw new AuthenticationFailedException("the service token has no valid sub claim");
        }
        String workspace = text(jwt.getClaim(WORKSPACE_CLAIM));
        if (workspace == null || !WORKSPACE.matcher(workspace).matches()) {
            throw new AuthenticationFailedException("the service token has no valid " + WORKSPACE_CLAIM + " claim");
        }
        Role role = Role.ofClaim(text(jwt.getClaim(ROLE_CLAIM)))
                .orElseThrow(() -> new AuthenticationFailedException("the service token has no valid " + ROLE_CLAIM + " claim"));
        return new ServiceToken(sub, workspace, role, jwt.getRawToken());
    }

    /** A string claim's value (the JWT library may hand it over as a JSON string); null for any other type. */
    private static String text(Object claim) {
        if (claim instanceof JsonString s) {
            return s.getString();
        }
        return claim instanceof String s ? s : null;
    }

    @Override
    public String toString() {
        return "ServiceToken[principal=" + principal + ", workspaceId=" + workspaceId + ", role=" + role + "]";
    }
}

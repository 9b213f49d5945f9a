package dev.dmsmlflow.gateway.domain;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The browser's credential for one notebook session's JupyterLab, carried in an HttpOnly cookie: member, API key (none for
 * an identity-provider sign-in), workspace, session and expiry, sealed with an HMAC-SHA256 under a secret every gateway
 * replica derives alike. It says nothing about the role: that is read again on every request.
 */
public record JupyterPass(String memberId, String keyId, String workspaceId, String sessionId, Instant expiresAt) {

    /** The cookie's name; its path is the session's {@code /jupyter/} prefix. */
    public static final String COOKIE = "dms_jupyter";
    private static final String VERSION = "j1";
    private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    public JupyterPass {
        for (String f : new String[] {memberId, workspaceId, sessionId}) {
            if (f == null || !FIELD.matcher(f).matches()) {
                throw new IllegalArgumentException("not a valid id");
            }
        }
        if (keyId != null && !FIELD.matcher(keyId).matches()) {
            throw new IllegalArgumentException("not a valid key id");
        }
    }

    /** The public path prefix of the session's JupyterLab, the only place the cookie goes to and is accepted. */
    public static String jupyterPath(String workspaceId, String sessionId) {
        return "/api/v1/workspaces/" + workspaceId + "/notebook-sessions/" + sessionId + "/jupyter/";
    }

    /** The cookie value: {@code j1.<payload>.<mac>}, both base64url. */
    public String seal(byte[] secret) {
        String payload = String.join("|", VERSION, memberId, keyId == null ? "-" : keyId, workspaceId, sessionId,
                Long.toString(expiresAt.getEpochSecond()));
        String body = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return VERSION + "." + body + "." + B64.encodeToString(mac(secret, body));
    }

    /**
     * The pass a cookie value carries, when its seal is ours, it has not expired and it names this workspace and session;
     * empty otherwise (a forged, altered, expired or misplaced cookie).
     */
    public static Optional<JupyterPass> open(String value, byte[] secret, String workspaceId, String sessionId, Instant now) {
        if (value == null || value.length() > 1024) {
            return Optional.empty();
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            return Optional.empty();
        }
        byte[] given;
        try {
            given = B64D.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac(secret, parts[1]), given)) {
            return Optional.empty();
        }
        String[] f;
        try {
            f = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8).split("\\|", -1);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (f.length != 6 || !VERSION.equals(f[0])) {
            return Optional.empty();
        }
        JupyterPass pass;
        try {
            pass = new JupyterPass(f[1], "-".equals(f[2]) ? null : f[2], f[3], f[4], Instant.ofEpochSecond(Long.parseLong(f[5])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!now.isBefore(pass.expiresAt) || !pass.workspaceId.equals(workspaceId) || !pass.sessionId.equals(sessionId)) {
            return Optional.empty();
        }
        return Optional.of(pass);
    }

    /** The caller this pass acts as: scoped to its workspace whatever the key's own scope. */
    public Caller caller() {
        return new Caller(memberId, keyId, workspaceId);
    }

    private static byte[] mac(byte[] secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "JupyterPass[member " + memberId + ", workspace " + workspaceId + ", session " + sessionId + ", until " + expiresAt + "]";
    }
}

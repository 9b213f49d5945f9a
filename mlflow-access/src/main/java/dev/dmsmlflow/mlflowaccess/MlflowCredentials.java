package dev.dmsmlflow.mlflowaccess;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How unmodified MLflow clients carry an access token in {@code Authorization}: {@code Bearer <token>} when
 * {@code MLFLOW_TRACKING_TOKEN} is set, {@code Basic base64(user:token)} when {@code MLFLOW_TRACKING_USERNAME} and
 * {@code MLFLOW_TRACKING_PASSWORD} are (any user name; the password is the token). Tokens are kept only as the SHA-256
 * of their text ({@link #digest}).
 */
public final class MlflowCredentials {

    private MlflowCredentials() {
    }

    /** The token in an {@code Authorization} value; null when it carries none (absent, another scheme, bad base64, empty). */
    public static String token(String authorization) {
        if (authorization == null) {
            return null;
        }
        String token = null;
        String a = authorization.trim();
        if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = a.substring(7).trim();
        } else if (a.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(a.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                token = colon < 0 ? pair : pair.substring(colon + 1);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return token == null || token.isEmpty() ? null : token;
    }

    /** SHA-256 of the token's UTF-8 text: what the control plane keeps and hands to whoever checks tokens. */
    public static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #digest} as lowercase hex. */
    public static String digestHex(String token) {
        return HexFormat.of().formatHex(digest(token));
    }
}

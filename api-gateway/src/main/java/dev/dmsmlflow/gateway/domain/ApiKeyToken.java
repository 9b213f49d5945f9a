package dev.dmsmlflow.gateway.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An API key as the caller presents it: {@code dms_<id>_<secret>}. The id (16 lowercase letters and digits) finds the key,
 * the secret (40 letters and digits, about 238 random bits) proves it; only the secret's SHA-256 is ever stored.
 * {@link #toString()} never shows the secret.
 */
public final class ApiKeyToken {

    public static final String PREFIX = "dms_";
    public static final int ID_LENGTH = 16;
    public static final int SECRET_LENGTH = 40;
    /** The whole token, for documentation and request checks. */
    public static final String PATTERN = "^dms_[a-z0-9]{16}_[A-Za-z0-9]{40}$";

    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final char[] SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final String id;
    private final String secret;

    private ApiKeyToken(String id, String secret) {
        this.id = id;
        this.secret = secret;
    }

    /** A new key from a CSPRNG. */
    public static ApiKeyToken generate(SecureRandom random) {
        return new ApiKeyToken(Ids.random(random, ID_ALPHABET, ID_LENGTH), Ids.random(random, SECRET_ALPHABET, SECRET_LENGTH));
    }

    /** The key in a presented token, or empty when it is not a well-formed DMS API key. */
    public static Optional<ApiKeyToken> parse(String token) {
        if (token == null || token.length() != PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH || !token.startsWith(PREFIX)
                || token.charAt(PREFIX.length() + ID_LENGTH) != '_') {
            return Optional.empty();
        }
        for (int i = PREFIX.length(); i < PREFIX.length() + ID_LENGTH; i++) {
            char c = token.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return Optional.empty();
            }
        }
        for (int i = PREFIX.length() + ID_LENGTH + 1; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return Optional.empty();
            }
        }
        return Optional.of(new ApiKeyToken(token.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH),
                token.substring(PREFIX.length() + ID_LENGTH + 1)));
    }

    /** A key id as it appears in URLs: the same alphabet and length as in the token. */
    public static boolean isKeyId(String value) {
        return value != null && value.matches("[a-z0-9]{16}");
    }

    public String id() {
        return id;
    }

    /** Hex SHA-256 of the secret: what the database keeps. */
    public String secretSha256() {
        return sha256(secret);
    }

    /** Whether this token's secret hashes to {@code storedSha256}, compared in constant time. */
    public boolean matches(String storedSha256) {
        return storedSha256 != null && MessageDigest.isEqual(secretSha256().getBytes(StandardCharsets.US_ASCII),
                storedSha256.getBytes(StandardCharsets.US_ASCII));
    }

    /** The full token, for the one answer that shows it to its owner. */
    public String reveal() {
        return PREFIX + id + "_" + secret;
    }

    @Override
    public String toString() {
        return PREFIX + id + "_<redacted>";
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

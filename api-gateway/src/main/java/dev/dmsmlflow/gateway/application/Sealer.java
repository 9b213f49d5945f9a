package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.provider.ServiceTokens;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Seals what the gateway keeps for a browser (a sign-in's PKCE verifier, a hand-off's tokens, a refresh token) with
 * AES-256-GCM under a key derived from two things: a secret only the browser holds (the sign-in's state, the hand-off
 * code, the session cookie: 256 random bits each, stored only as their SHA-256) and the gateway's own signing key. A copy
 * of the database alone, or the browser's secret alone, opens nothing.
 */
@ApplicationScoped
public class Sealer {

    private static final String PURPOSE = "dms-gateway console sign-in v1";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final ServiceTokens tokens;
    private volatile byte[] serverKey;

    Sealer(ServiceTokens tokens) {
        this.tokens = tokens;
    }

    /** {@code plain} sealed for {@code browserSecret} and {@code label} (what it is: a flow, a hand-off, a session). */
    public String seal(String label, String browserSecret, String plain) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(label, browserSecret), new GCMParameterSpec(128, iv));
            c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(12 + sealed.length).put(iv).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What {@link #seal} sealed, or empty when the secret, the label or the text is not the one it was sealed with. */
    public Optional<String> open(String label, String browserSecret, String sealed) {
        try {
            byte[] all = Base64.getUrlDecoder().decode(sealed);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(label, browserSecret), new GCMParameterSpec(128, all, 0, 12));
            c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
            return Optional.of(new String(c.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A new browser secret: 256 random bits, base64url (43 characters). */
    public static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The row key of a browser secret: its SHA-256, hex. */
    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private SecretKeySpec key(String label, String browserSecret) throws GeneralSecurityException {
        byte[] k = serverKey;
        if (k == null) {
            k = tokens.derivedSecret(PURPOSE);
            serverKey = k;
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(k, "HmacSHA256"));
        mac.update(label.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        return new SecretKeySpec(mac.doFinal(browserSecret.getBytes(StandardCharsets.UTF_8)), "AES");
    }
}

package dev.dmsmlflow.tracking.webhooks;

import dev.dmsmlflow.tracking.db.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;

/**
 * Encrypts webhook signing secrets at rest (AES-256-GCM). The key comes from
 * {@code dms.tracking.webhooks.secret-key}; without one, a random key is generated once and kept in the
 * database (which then only keeps secrets out of dumps of the webhooks table, not out of the database).
 */
@ApplicationScoped
public class WebhookSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    WebhookConfig config;
    @Inject
    Db db;

    private volatile SecretKeySpec key;

    private SecretKeySpec key() {
        SecretKeySpec k = key;
        if (k != null) {
            return k;
        }
        synchronized (this) {
            if (key == null) {
                byte[] raw = config.secretKey().filter(s -> !s.isBlank()).map(s -> Base64.getDecoder().decode(s.trim()))
                        .orElseGet(this::storedKey);
                if (raw.length != 32) {
                    throw new IllegalStateException("dms.tracking.webhooks.secret-key must be the base64 of 32 bytes");
                }
                key = new SecretKeySpec(raw, "AES");
            }
            return key;
        }
    }

    private byte[] storedKey() {
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        String value = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_settings (key, value) VALUES ('secret_key', ?) "
                    + "ON CONFLICT (key) DO NOTHING")) {
                ps.setString(1, Base64.getEncoder().encodeToString(fresh));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM webhook_settings WHERE key = 'secret_key'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        });
        return Base64.getDecoder().decode(value);
    }

    public String encrypt(String secret) {
        if (secret == null || secret.isEmpty()) {
            return null;
        }
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, iv));
            byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot encrypt the webhook secret", e);
        }
    }

    public String decrypt(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            byte[] all = Base64.getDecoder().decode(stored);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, all, 0, 12));
            return new String(c.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("Cannot decrypt a webhook secret (was the secret key changed?)", e);
        }
    }
}

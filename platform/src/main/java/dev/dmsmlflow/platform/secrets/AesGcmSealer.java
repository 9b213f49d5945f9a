package dev.dmsmlflow.platform.secrets;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * {@link SecretSealer} with AES-256-GCM under a local master key: a random 96-bit nonce per value, the context as
 * additional authenticated data. A sealed value reads {@code v1.<key id>.<base64url(nonce | ciphertext | tag)>}, the key id
 * being the first 8 hex digits of the key's SHA-256, so a value sealed under another key is recognised as such. The master
 * key is 32 random bytes kept base64url-encoded in a file readable by its owner only ({@link #fromKeyFile}).
 */
public final class AesGcmSealer implements SecretSealer {

    private static final String VERSION = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String keyId;

    public AesGcmSealer(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("an AES-256 master key has 32 bytes, not " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
        try {
            this.keyId = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The sealer of the master key in {@code file}; with {@code create} a missing file is made (32 bytes from a CSPRNG,
     * mode 0600, its directory 0700 if new). The key's bytes are never logged or part of a message.
     */
    public static AesGcmSealer fromKeyFile(Path file, boolean create) {
        try {
            if (!Files.exists(file)) {
                if (!create) {
                    throw new IllegalStateException("no master key at " + file);
                }
                createKeyFile(file);
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            byte[] key;
            try {
                key = Base64.getUrlDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the master key file " + file + " does not hold base64url text");
            }
            return new AesGcmSealer(key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the master key file " + file, e);
        }
    }

    private static void createKeyFile(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made concurrently
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        Path tmp = Files.createTempFile(dir, ".master-key", ".tmp"); // 0600 on POSIX
        Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
        Arrays.fill(key, (byte) 0);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            if (!Files.exists(file)) {
                throw e;
            }
        }
    }

    /** Which key seals: the first 8 hex digits of its SHA-256 (not a secret). */
    public String keyId() {
        return keyId;
    }

    @Override
    public String seal(String secret, String context) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(context));
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            ByteBuffer out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed);
            return VERSION + "." + keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    @Override
    public String open(String sealed, String context) {
        String[] parts = sealed == null ? new String[0] : sealed.split("\\.");
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new SealedSecretException("not a sealed secret of version " + VERSION);
        }
        if (!keyId.equals(parts[1])) {
            throw new SealedSecretException("sealed under master key " + parts[1] + ", this is master key " + keyId);
        }
        try {
            byte[] all = Base64.getUrlDecoder().decode(parts[2]);
            if (all.length < NONCE_BYTES + TAG_BITS / 8) {
                throw new SealedSecretException("sealed secret too short");
            }
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            c.updateAAD(aad(context));
            return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new SealedSecretException("sealed secret altered or sealed for another context than " + context);
        } catch (IllegalArgumentException e) {
            throw new SealedSecretException("sealed secret is not base64url");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    private static byte[] aad(String context) {
        return ("dms-sealed-secret:" + context).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "AesGcmSealer[key " + keyId + "]";
    }
}

package dev.dmsmlflow.platform.secrets;

/**
 * Encrypts secrets a service must keep (a per-instance database password, later OSS credentials) before they are stored,
 * and decrypts them when needed. Each sealed value is bound to a context (what it belongs to, e.g. the database name): it
 * opens only with that same context, so a sealed value copied onto another row is useless. The local implementation is
 * {@link AesGcmSealer} (AES-256-GCM under a master key in a file of the owner only); a production deployment plugs a KMS
 * (encrypt/decrypt calls with the context as encryption context) by providing another implementation.
 */
public interface SecretSealer {

    /** {@code secret} encrypted and bound to {@code context}: printable text, safe to store, never the secret itself. */
    String seal(String secret, String context);

    /**
     * The secret {@link #seal sealed} for {@code context}.
     *
     * @throws SealedSecretException if it was sealed under another key, for another context, or altered
     */
    String open(String sealed, String context);

    /** Why a sealed secret cannot be opened; the message never contains the secret or the key. */
    final class SealedSecretException extends RuntimeException {
        public SealedSecretException(String message) {
            super(message);
        }

        public SealedSecretException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package dev.dmsmlflow.platform.secrets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AesGcmSealerTest {

    @Test
    void aSealedSecretOpensWithItsKeyAndContextOnly(@TempDir Path tmp) throws Exception {
        Path keyFile = tmp.resolve("secrets").resolve("master-key");
        AesGcmSealer sealer = AesGcmSealer.fromKeyFile(keyFile, true);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile.getParent())));

        String sealed = sealer.seal("the-password", "mlflow_a");
        assertFalse(sealed.contains("the-password"));
        assertTrue(sealed.startsWith("v1." + sealer.keyId() + "."), sealed);
        assertNotEquals(sealed, sealer.seal("the-password", "mlflow_a"), "a fresh nonce every time");
        assertEquals("the-password", sealer.open(sealed, "mlflow_a"));
        assertEquals("the-password", AesGcmSealer.fromKeyFile(keyFile, false).open(sealed, "mlflow_a"), "the key is kept");

        assertThrows(SecretSealer.SealedSecretException.class, () -> sealer.open(sealed, "mlflow_b"), "bound to its context");
        String altered = sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("A") ? "BB" : "AA");
        assertThrows(SecretSealer.SealedSecretException.class, () -> sealer.open(altered, "mlflow_a"));
        AesGcmSealer other = AesGcmSealer.fromKeyFile(tmp.resolve("other-key"), true);
        SecretSealer.SealedSecretException e = assertThrows(SecretSealer.SealedSecretException.class, () -> other.open(sealed, "mlflow_a"));
        assertFalse(e.getMessage().contains("the-password"));
        assertThrows(IllegalStateException.class, () -> AesGcmSealer.fromKeyFile(tmp.resolve("missing"), false));
    }
}

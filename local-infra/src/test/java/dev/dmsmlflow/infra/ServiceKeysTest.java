package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceKeysTest {

    @Test
    void keysAreCreatedOnceAndThePrivateKeyIsReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
        ServiceKeys keys = ServiceKeys.inDirectory(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.signingKeyFile())));
        String first = Files.readString(keys.publicKeyFile());
        assertEquals(first, Files.readString(ServiceKeys.inDirectory(dir).publicKeyFile()), "kept across restarts");
    }

    @Test
    void aMintedTokenVerifiesWithThePublicKeyAndCarriesTheClaims(@TempDir Path dir) throws Exception {
        ServiceKeys keys = ServiceKeys.inDirectory(dir);
        String token = keys.mint("mem-1", "ws-\"a\"", "editor", Duration.ofMinutes(2));
        String[] parts = token.split("\\.");
        assertEquals(3, parts.length);
        String pem = Files.readString(keys.publicKeyFile(), StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(pub);
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertTrue(s.verify(Base64.getUrlDecoder().decode(parts[2])));
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertTrue(claims.contains("\"dms_ws\":\"ws-\\\"a\\\"\""), claims);
        assertTrue(claims.contains("\"groups\":[\"editor\",\"viewer\"]"), claims);
        assertTrue(claims.contains("\"iss\":\"dms-gateway\"") && claims.contains("\"aud\":\"dms-services\""), claims);
        assertFalse(token.contains("PRIVATE"));
    }
}

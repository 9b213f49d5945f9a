package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LocalSecretsTest {

    @Test
    void aSecretIsGeneratedOnceKeptOwnerOnlyAndFoundAgain(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("secrets");
        LocalSecrets secrets = LocalSecrets.inDirectory(dir);
        String first = secrets.password("kafka-admin");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.file("kafka-admin"))));
        assertEquals(first, LocalSecrets.inDirectory(dir).password("kafka-admin"), "kept across restarts");
        assertNotEquals(first, secrets.password("kafka-other"));
        assertFalse(secrets.toString().contains(first));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void passwordsAre256RandomBitsWithoutCharactersThatNeedQuoting() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String p = LocalSecrets.generatePassword();
            assertEquals(32, Base64.getUrlDecoder().decode(p).length);
            assertFalse(p.matches(".*[\"'\\\\ ;=].*"), p);
            seen.add(p);
        }
        assertEquals(1000, seen.size());
    }

    @Test
    void namesCannotEscapeTheDirectory(@TempDir Path tmp) {
        LocalSecrets secrets = LocalSecrets.inDirectory(tmp.resolve("s"));
        assertThrows(IllegalArgumentException.class, () -> secrets.password("../x"));
        assertThrows(IllegalArgumentException.class, () -> secrets.password("a/b"));
    }
}

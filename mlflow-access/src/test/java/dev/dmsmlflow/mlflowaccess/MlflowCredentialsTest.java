package dev.dmsmlflow.mlflowaccess;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MlflowCredentialsTest {

    private static String basic(String pair) {
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bearerCarriesTheTokenAsItIs() {
        assertEquals("mlft_abc_def", MlflowCredentials.token("Bearer mlft_abc_def"));
        assertEquals("mlft_abc_def", MlflowCredentials.token("  bearer   mlft_abc_def  "));
    }

    @Test
    void basicCarriesTheTokenAsThePasswordWhateverTheUserName() {
        assertEquals("mlft_abc_def", MlflowCredentials.token(basic("alice:mlft_abc_def")));
        assertEquals("mlft_abc_def", MlflowCredentials.token(basic(":mlft_abc_def")));
        assertEquals("pass:with:colons", MlflowCredentials.token(basic("u:pass:with:colons")));
        assertEquals("no-colon", MlflowCredentials.token(basic("no-colon")));
    }

    @Test
    void anythingElseCarriesNoToken() {
        assertNull(MlflowCredentials.token(null));
        assertNull(MlflowCredentials.token(""));
        assertNull(MlflowCredentials.token("Bearer "));
        assertNull(MlflowCredentials.token("Basic !!!not-base64"));
        assertNull(MlflowCredentials.token(basic("alice:")));
        assertNull(MlflowCredentials.token("Digest username=x"));
        assertNull(MlflowCredentials.token("mlft_abc_def"));
    }

    @Test
    void theDigestIsTheSha256OfTheText() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", MlflowCredentials.digestHex("abc"));
    }
}

package dev.dmsmlflow.instance.provider.compute.aliyun;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With the local compute (the default) no tracking server needs cloud credentials: the endpoint hands out none. */
@QuarkusTest
class StorageCredentialsLocalTest {

    @Test
    void theLocalProviderHandsOutNoStorageCredentials() {
        for (String secret : new String[] {null, "anything"}) {
            var r = given();
            if (secret != null) {
                r = r.header(StorageCredentialsResource.SECRET_HEADER, secret);
            }
            Response answer = r.get("/compute/instances/i-1/storage-credentials");
            assertEquals(404, answer.statusCode(), answer.asString());
            assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
        }
    }

    @Test
    void theLocalProviderConfirmsNoSecret() {
        for (String secret : new String[] {null, "anything"}) {
            var r = given();
            if (secret != null) {
                r = r.header(StorageCredentialsResource.SECRET_HEADER, secret);
            }
            Response answer = r.get("/compute/instances/i-1/storage-secret");
            assertEquals(404, answer.statusCode(), answer.asString());
            assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
        }
    }
}

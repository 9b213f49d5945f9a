package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readiness with the artifact root in OSS (the signing stand-in): ready while the bucket answers a listing, which the
 * check really sends; down, without naming the endpoint, once the endpoint is gone.
 */
@QuarkusTest
@QuarkusTestResource(value = FakeOssResource.class, restrictToAnnotatedClass = true)
class OssReadinessTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/health/ready")
    URL ready;

    private HttpResponse<String> ready() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(ready.toURI()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyWhileTheBucketAnswersAListingAndDownOnceTheEndpointIsGone() throws Exception {
        FakeOss oss = FakeOssResource.current;
        HttpResponse<String> up = ready();
        assertEquals(200, up.statusCode(), up.body());
        JsonNode store = JSON.readTree(up.body()).at("/checks/1");
        assertEquals("artifact-store", store.get("name").asText());
        assertEquals("UP", store.get("status").asText());
        assertTrue(oss.operations.containsKey("ListObjectsV2") && oss.operations.get("ListObjectsV2").get() > 0,
                "the check asked OSS: " + oss.operations);
        assertEquals(0, oss.rejected.get(), oss.lastRejection);

        String port = Integer.toString(URI.create(oss.endpoint()).getPort());
        oss.close();
        long deadline = System.nanoTime() + 30_000_000_000L;
        HttpResponse<String> down;
        do {
            down = ready();
        } while (down.statusCode() == 200 && System.nanoTime() < deadline);
        assertEquals(503, down.statusCode(), down.body());
        JsonNode body = JSON.readTree(down.body());
        assertEquals("DOWN", body.get("status").asText());
        assertEquals("UP", body.at("/checks/0/status").asText(), "the database is fine");
        assertEquals("DOWN", body.at("/checks/1/status").asText());
        String reason = body.at("/checks/1/reason").asText();
        assertTrue(reason.equals("the OSS endpoint did not answer") || reason.equals("did not answer within 2000 ms"), reason);
        assertFalse(down.body().contains("127.0.0.1") || down.body().contains(port) || down.body().contains(FakeOssResource.ACCESS_KEY_ID),
                down.body());
    }
}

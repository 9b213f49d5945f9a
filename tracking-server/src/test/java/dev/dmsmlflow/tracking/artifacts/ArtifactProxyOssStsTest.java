package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The artifact proxy on OSS with credentials from a credentials endpoint (a tracking server on Alibaba Cloud): the shared
 * contract passes against a stand-in that accepts only the endpoint's temporary credentials with their token.
 */
@QuarkusTest
@QuarkusTestResource(value = StsOssResource.class, restrictToAnnotatedClass = true)
class ArtifactProxyOssStsTest extends ArtifactProxyContract {

    @Test
    void everyRequestCarriesTheEndpointsTemporaryCredentials() {
        FakeOss oss = StsOssResource.current;
        assertEquals(200, raw.put(A + "/" + dir + "/x.txt", "x".getBytes(StandardCharsets.UTF_8), "text/plain").status());
        assertEquals("x", raw.get(A + "/" + dir + "/x.txt").text());
        assertTrue(oss.keys().contains(StsOssResource.PREFIX + "/" + dir + "/x.txt"), oss.keys().toString());
        assertTrue(StsOssResource.endpoint.issued.get() >= 1);
        assertEquals(0, StsOssResource.endpoint.refused.get(), "the server presented its secret");
        assertEquals(0, oss.rejected.get(), "rejected: " + oss.lastRejection);
    }
}

package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The artifact proxy on the OSS store, against a local OSS stand-in that verifies every request's
 * V4 signature: the shared contract must pass with no request rejected.
 */
@QuarkusTest
@QuarkusTestResource(value = FakeOssResource.class, restrictToAnnotatedClass = true)
class ArtifactProxyOssTest extends ArtifactProxyContract {

    @Test
    void objectsLandUnderThePrefixAndEveryRequestIsSigned() {
        FakeOss oss = FakeOssResource.current;
        int before = oss.accepted.get();
        assertEquals(200, raw.put(A + "/" + dir + "/x/y.txt", "y".getBytes(StandardCharsets.UTF_8), "text/plain").status());
        assertEquals("y", raw.get(A + "/" + dir + "/x/y.txt").text());
        assertTrue(oss.keys().contains(FakeOssResource.PREFIX + "/" + dir + "/x/y.txt"), oss.keys().toString());
        assertTrue(oss.accepted.get() > before);
        assertEquals(0, oss.rejected.get(), "rejected: " + oss.lastRejection);
        assertNull(oss.lastRejection);
        assertTrue(oss.operations.get("PutObject").get() > 0);
        assertTrue(oss.operations.get("HeadObject").get() > 0);
        assertTrue(oss.operations.get("GetObject").get() > 0);
    }

    @Test
    void runsWithAnExplicitOssLocationAreListedAndServedFromThatLocation() throws Exception {
        String prefix = "custom-root/" + UUID.randomUUID();
        String location = "oss://" + FakeOssResource.BUCKET + "/" + prefix;
        Raw.Resp exp = raw.postJson("/api/2.0/mlflow/experiments/create",
                "{\"name\": \"oss-" + UUID.randomUUID() + "\", \"artifact_location\": \"" + location + "\"}");
        assertEquals(200, exp.status(), exp.toString());
        Raw.Resp run = raw.postJson("/api/2.0/mlflow/runs/create",
                "{\"experiment_id\": \"" + exp.json().get("experiment_id").asText() + "\"}");
        JsonNode info = run.json().at("/run/info");
        String runId = info.get("run_id").asText();
        assertEquals(location + "/" + runId + "/artifacts", info.get("artifact_uri").asText());

        // what a client with the OSS plugin writes directly to the bucket
        OssArtifactStore direct = new OssArtifactStore(OssArtifactStore.newClient(FakeOssResource.current.endpoint(),
                FakeOssResource.REGION, new DefaultCredentialProvider(FakeOssResource.ACCESS_KEY_ID, FakeOssResource.ACCESS_KEY_SECRET)),
                FakeOssResource.BUCKET, prefix + "/" + runId + "/artifacts");
        byte[] body = "direct".getBytes(StandardCharsets.UTF_8);
        direct.put("model/MLmodel", new ByteArrayInputStream(body), body.length);
        direct.shutdown();

        Raw.Resp list = raw.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=model");
        assertEquals(200, list.status(), list.toString());
        assertEquals("model/MLmodel", list.json().at("/files/0/path").asText());
        assertEquals(6, list.json().at("/files/0/file_size").asLong());
        Raw.Resp get = raw.get("/get-artifact?run_id=" + runId + "&path=model/MLmodel");
        assertEquals(200, get.status(), get.toString());
        assertEquals("direct", get.text());
        assertEquals(0, FakeOssResource.current.rejected.get(), FakeOssResource.current.lastRejection);
    }
}

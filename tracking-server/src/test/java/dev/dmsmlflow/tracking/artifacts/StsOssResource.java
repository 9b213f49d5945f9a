package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A fresh database plus a {@link FakeOss} that knows no long-lived key, and a {@link FakeCredentialsEndpoint}: the server
 * under test is configured as instance-service configures one on Alibaba Cloud ({@code dms.tracking.oss.credentials-url}
 * and its secret), so every OSS request must carry temporary credentials fetched from the endpoint (the
 * {@code OSS_ACCESS_KEY_*} the build sets for the test JVM open nothing here).
 */
public class StsOssResource implements QuarkusTestResourceLifecycleManager {
    static final String BUCKET = "dms-sts-bucket";
    static final String REGION = "cn-hangzhou";
    static final String PREFIX = "ws-1/mlflow-root";
    static final String SECRET = "the-container-groups-own-secret";
    static volatile FakeOss current;
    static volatile FakeCredentialsEndpoint endpoint;

    @Override
    public Map<String, String> start() {
        try {
            current = new FakeOss(BUCKET, REGION, null, null);
            endpoint = new FakeCredentialsEndpoint(current, SECRET, java.time.Instant::now);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> cfg = new HashMap<>(new TrackingDatabase().start());
        cfg.put("dms.tracking.artifact-root", "oss://" + BUCKET + "/" + PREFIX);
        cfg.put("dms.tracking.oss.endpoint", current.endpoint());
        cfg.put("dms.tracking.oss.region", REGION);
        cfg.put("dms.tracking.oss.credentials-url", endpoint.url());
        cfg.put("dms.tracking.oss.credentials-secret", SECRET);
        return cfg;
    }

    @Override
    public void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (current != null) {
            current.close();
        }
    }
}

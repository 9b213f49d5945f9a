package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.oss.FakeOss;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A fresh database plus a {@link FakeOss} serving as the artifact root ({@code oss://bucket/prefix}).
 * The server under test reads its keys from {@code OSS_ACCESS_KEY_ID}/{@code OSS_ACCESS_KEY_SECRET},
 * which the build sets for the test JVM to {@link #ACCESS_KEY_ID}/{@link #ACCESS_KEY_SECRET}.
 */
public class FakeOssResource implements QuarkusTestResourceLifecycleManager {
    static final String ACCESS_KEY_ID = "LTAI-test-key-id";
    static final String ACCESS_KEY_SECRET = "test-secret-for-fake-oss";
    static final String BUCKET = "dms-test-bucket";
    static final String REGION = "cn-hangzhou";
    static final String PREFIX = "mlflow-root";
    static volatile FakeOss current;

    private FakeOss oss;

    @Override
    public Map<String, String> start() {
        if (!ACCESS_KEY_ID.equals(System.getenv("OSS_ACCESS_KEY_ID")) || !ACCESS_KEY_SECRET.equals(System.getenv("OSS_ACCESS_KEY_SECRET"))) {
            throw new IllegalStateException("Run the OSS tests through Maven: the surefire configuration sets "
                    + "OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET for the test JVM");
        }
        try {
            oss = new FakeOss(BUCKET, REGION, ACCESS_KEY_ID, ACCESS_KEY_SECRET);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        current = oss;
        Map<String, String> cfg = new HashMap<>(new TrackingDatabase().start());
        cfg.put("dms.tracking.artifact-root", "oss://" + BUCKET + "/" + PREFIX);
        cfg.put("dms.tracking.oss.endpoint", oss.endpoint());
        cfg.put("dms.tracking.oss.region", REGION);
        return cfg;
    }

    @Override
    public void stop() {
        if (oss != null) {
            oss.close();
        }
    }
}

package dev.dmsmlflow.network.provider.aliyun;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Starts the fake Alibaba Cloud endpoint for a whole service under test and points the aliyun provider at it. */
public class AliyunCloudResource implements QuarkusTestResourceLifecycleManager {

    static FakeAlibabaCloud cloud;

    @Override
    public Map<String, String> start() {
        try {
            cloud = new FakeAlibabaCloud().seed();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        System.setProperty("alibabacloud.accessKeyId", FakeAlibabaCloud.ACCESS_KEY_ID);
        System.setProperty("alibabacloud.accessKeySecret", FakeAlibabaCloud.ACCESS_KEY_SECRET);
        return Map.of("dms.network.provider", "aliyun",
                "dms.network.aliyun.alb-endpoint", cloud.endpoint(),
                "dms.network.aliyun.vpc-endpoint", cloud.endpoint(),
                "dms.network.aliyun.ecs-endpoint", cloud.endpoint(),
                "dms.network.aliyun.protocol", "http",
                "dms.network.aliyun.poll-interval", "20ms",
                "dms.network.aliyun.retry-backoff", "20ms");
    }

    @Override
    public void stop() {
        if (cloud != null) {
            cloud.close();
        }
    }
}

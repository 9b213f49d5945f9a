package dev.dmsmlflow.instance.provider.compute.aliyun;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/** Starts the local ECI and STS servers for the service under test and selects the aliyun compute provider pointed at them. */
public class AliyunCloudResource implements QuarkusTestResourceLifecycleManager {

    static final String IMAGE = "registry-vpc.cn-hangzhou.aliyuncs.com/dms/tracking-server:1.0";
    static final String NEXT_IMAGE = "registry-vpc.cn-hangzhou.aliyuncs.com/dms/tracking-server:2.0";
    static final String ROLE = "acs:ram::1234567890:role/dms-mlflow-artifacts";
    static final String CREDENTIALS_URL = "http://10.0.3.4:8081";
    static final String TOKENS_URL = "http://10.0.3.4:8082";
    static volatile FakeEci eci;
    static volatile FakeSts sts;
    static volatile int port;

    @Override
    public Map<String, String> start() {
        try {
            eci = new FakeEci();
            sts = new FakeSts();
            port = twoFreePorts();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        platformKeys();
        Map<String, String> config = new HashMap<>();
        config.put("dms.compute.provider", "aliyun");
        config.put("dms.compute.aliyun.endpoint", eci.endpoint());
        config.put("dms.compute.aliyun.ecs-endpoint", eci.endpoint());
        config.put("dms.compute.aliyun.protocol", "http");
        config.put("dms.compute.aliyun.image", IMAGE);
        config.put("dms.compute.aliyun.versions.next", NEXT_IMAGE);
        config.put("dms.compute.aliyun.port", Integer.toString(port));
        config.put("dms.compute.aliyun.poll-interval", "20ms");
        config.put("dms.compute.aliyun.retry-backoff", "20ms");
        config.put("dms.compute.aliyun.health-timeout", "8s");
        config.put("dms.compute.aliyun.credentials-url", CREDENTIALS_URL);
        config.put("dms.compute.aliyun.tokens-url", TOKENS_URL + "/");
        config.put("dms.compute.aliyun.sts.endpoint", sts.endpoint());
        config.put("dms.compute.aliyun.sts.role-arn", ROLE);
        return config;
    }

    /** The platform's keys, first link of the default credential chain; they sign ECI and STS calls and go nowhere else. */
    static void platformKeys() {
        System.setProperty("alibabacloud.accessKeyId", FakeSts.ACCESS_KEY_ID);
        System.setProperty("alibabacloud.accessKeySecret", FakeSts.ACCESS_KEY_SECRET);
    }

    /** A port p such that p and p + 1 are free on loopback (the two slots of an instance). */
    private static int twoFreePorts() throws IOException {
        for (int tries = 0; tries < 50; tries++) {
            try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = a.getLocalPort();
                if (p < 65000) {
                    try (ServerSocket b = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                        return p;
                    } catch (IOException taken) {
                        // try another
                    }
                }
            }
        }
        throw new IOException("no two consecutive free ports");
    }

    @Override
    public void stop() {
        if (eci != null) {
            eci.close();
        }
        if (sts != null) {
            sts.close();
        }
        System.clearProperty("alibabacloud.accessKeyId");
        System.clearProperty("alibabacloud.accessKeySecret");
    }
}

package dev.dmsmlflow.instance.provider.compute.aliyun;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Settings of the Alibaba Cloud compute provider ({@code dms.compute.aliyun.*}); the platform's keys come from the default credential chain. */
@ConfigMapping(prefix = "dms.compute.aliyun")
public interface AliyunComputeConfig {

    /** Region of the container groups, e.g. {@code cn-hangzhou}. Environment: {@code DMS_ALIYUN_REGION} (shared with the artifact store). */
    @WithDefault("${DMS_ALIYUN_REGION:cn-hangzhou}")
    String regionId();

    /** ECI endpoint; default {@code eci.<region>.aliyuncs.com} (tests: a local server). */
    Optional<String> endpoint();

    /**
     * ECS endpoint, where the compute finds the security group network-service made for the instance's tracking servers;
     * default {@code ecs.<region>.aliyuncs.com} (tests: a local server).
     */
    Optional<String> ecsEndpoint();

    /** {@code https}, or {@code http} for a local test server. */
    @WithDefault("https")
    String protocol();

    /** Image of the tracking server (the default version), e.g. {@code registry-vpc.cn-hangzhou.aliyuncs.com/dms/tracking-server:0.1.0}. */
    @WithDefault("dms-mlflow/tracking-server:latest")
    String image();

    /** Other tracking-server versions a redeploy may switch to: version -> image. */
    Map<String, String> versions();

    /**
     * Port the tracking server listens on in its container group. A second group of the same instance (a resize) listens on
     * this port + 1, so that the load balancer's backends and the saga tell the two apart by port.
     */
    @WithDefault("5000")
    int port();

    /** Value of the {@code dms-mlflow-owner} tag on every container group this service makes; reconcile touches only those. */
    @WithDefault("dms-mlflow")
    String owner();

    /** How long a new container group may take to run and answer GET /health. */
    @WithDefault("300s")
    Duration healthTimeout();

    /** Between two polls of a starting container group. */
    @WithDefault("2s")
    Duration pollInterval();

    /**
     * How long the container's liveness probe ({@code GET /health/live}, run by ECI next to the container) waits for an
     * answer; three misses in a row and ECI restarts the container.
     */
    @WithDefault("2s")
    Duration livenessTimeout();

    /** Tries of a throttled or failed ECI call before it counts as failed. */
    @WithDefault("4")
    int maxRetries();

    @WithDefault("500ms")
    Duration retryBackoff();

    /**
     * Base URL at which the container groups reach this service's HTTP port, e.g. {@code http://10.0.3.4:8081}: a tracking
     * server fetches its scoped OSS credentials from {@code <it>/compute/instances/<id>/storage-credentials}.
     */
    Optional<String> credentialsUrl();

    /**
     * Base URL at which the container groups reach network-service's HTTP port, e.g. {@code http://10.0.3.4:8082}: a
     * tracking server fetches its instance's MLflow token digests from {@code <it>/data-plane/instances/<id>/access-tokens}
     * (with the same secret as its storage credentials) and checks tokens itself, since an ALB cannot. Required, like
     * {@link #credentialsUrl()}: without it no instance here could be in token mode.
     */
    Optional<String> tokensUrl();

    Oss oss();

    Sts sts();

    /** The OSS endpoint the tracking servers use. */
    interface Oss {
        /** e.g. {@code https://oss-cn-hangzhou-internal.aliyuncs.com}; default: the internal endpoint of the region. */
        Optional<String> endpoint();
    }

    /** STS, which issues the tracking servers' credentials ({@link StsStorageCredentials}). */
    interface Sts {
        /** Default {@code sts.<region>.aliyuncs.com}. */
        Optional<String> endpoint();

        /** The RAM role the credentials' sessions assume, e.g. {@code acs:ram::<account>:role/dms-mlflow-artifacts}. */
        Optional<String> roleArn();

        /** Lifetime of one set of credentials (15 min to the role's maximum session duration). */
        @WithDefault("1h")
        Duration lifetime();
    }
}

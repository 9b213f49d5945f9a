package dev.dmsmlflow.instance.provider.compute;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which compute runs the tracking servers ({@code dms.compute.provider}); each provider has its own settings below it. */
@ConfigMapping(prefix = "dms.compute")
public interface ComputeConfig {

    /**
     * {@code local} (tracking-server child processes), {@code aliyun} (an Elastic Container Instance per server) or
     * {@code kubernetes} (a Deployment per server).
     */
    @WithDefault("local")
    String provider();
}

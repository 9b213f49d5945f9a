package dev.dmsmlflow.instance.provider.compute;

import dev.dmsmlflow.instance.provider.compute.aliyun.AliyunCompute;
import dev.dmsmlflow.instance.provider.compute.aliyun.AliyunComputeConfig;
import dev.dmsmlflow.instance.provider.compute.aliyun.StsStorageCredentials;
import dev.dmsmlflow.instance.provider.compute.kubernetes.KubernetesCompute;
import dev.dmsmlflow.instance.provider.compute.local.LocalCompute;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** Chooses the compute provider from {@code dms.compute.provider} ({@code local}, the default, {@code aliyun} or {@code kubernetes}) at startup. */
@ApplicationScoped
public class ComputeProviders {

    @Produces
    @ApplicationScoped
    Compute compute(ComputeConfig config, Instance<LocalCompute> local, Instance<AliyunCompute> aliyun,
                    Instance<KubernetesCompute> kubernetes) {
        String provider = config.provider();
        return switch (provider) {
            case "local" -> local.get();
            case "aliyun" -> aliyun.get();
            case "kubernetes" -> kubernetes.get();
            default -> throw new IllegalStateException("dms.compute.provider must be local, aliyun or kubernetes, not " + provider);
        };
    }

    /** Scoped OSS credentials for the tracking servers of the aliyun and kubernetes providers (made on first use: never with the local one). */
    @Produces
    @ApplicationScoped
    StorageCredentials storageCredentials(AliyunComputeConfig config) {
        String roleArn = config.sts().roleArn().filter(r -> !r.isBlank()).orElseThrow(() -> new IllegalStateException(
                "dms.compute.aliyun.sts.role-arn is required by the aliyun compute provider"));
        return new StsStorageCredentials(config.sts().endpoint().orElse("sts." + config.regionId() + ".aliyuncs.com"),
                config.regionId(), config.protocol(), roleArn, config.sts().lifetime());
    }
}

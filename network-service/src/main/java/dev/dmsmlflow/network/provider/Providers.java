package dev.dmsmlflow.network.provider;

import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.provider.aliyun.AliyunLoadBalancers;
import dev.dmsmlflow.network.provider.aliyun.AliyunNetworkFacts;
import dev.dmsmlflow.network.provider.kubernetes.KubernetesLoadBalancers;
import dev.dmsmlflow.network.provider.local.LocalLoadBalancers;
import dev.dmsmlflow.network.provider.local.LocalNetworkFacts;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** Chooses the provider implementations from {@code dms.network.provider} at startup. */
@ApplicationScoped
public class Providers {

    @Produces
    @ApplicationScoped
    NetworkFacts networkFacts(NetworkConfig config, Instance<LocalNetworkFacts> local, Instance<AliyunNetworkFacts> aliyun) {
        return switch (config.provider()) {
            case "local" -> local.get();
            case "aliyun" -> aliyun.get();
            case "kubernetes" -> switch (config.kubernetes().networkFacts()) {
                case "local" -> local.get();
                case "aliyun" -> aliyun.get();
                default -> throw new IllegalStateException("dms.network.kubernetes.network-facts must be local or aliyun, not "
                        + config.kubernetes().networkFacts());
            };
            default -> throw new IllegalStateException("dms.network.provider must be local, aliyun or kubernetes, not " + config.provider());
        };
    }

    @Produces
    @ApplicationScoped
    LoadBalancers loadBalancers(NetworkConfig config, Instance<LocalLoadBalancers> local, Instance<AliyunLoadBalancers> aliyun,
                                Instance<KubernetesLoadBalancers> kubernetes) {
        return switch (config.provider()) {
            case "local" -> local.get();
            case "aliyun" -> aliyun.get();
            case "kubernetes" -> kubernetes.get();
            default -> throw new IllegalStateException("dms.network.provider must be local, aliyun or kubernetes, not " + config.provider());
        };
    }
}

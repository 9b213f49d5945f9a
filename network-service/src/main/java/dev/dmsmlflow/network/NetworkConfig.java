package dev.dmsmlflow.network;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of network-service ({@code dms.network.*}): the provider and its resources. */
@ConfigMapping(prefix = "dms.network")
public interface NetworkConfig {

    /** {@code local} (embedded reverse proxies, resources from configuration) or {@code aliyun} (Alibaba Cloud SDKs). */
    @WithDefault("local")
    String provider();

    Local local();

    Aliyun aliyun();

    /** The local provider: a registry of network resources and a reverse proxy per load balancer. */
    interface Local {
        /** Loopback address the proxies listen on; each instance gets its own port. */
        @WithDefault("127.0.0.1")
        String bindHost();

        /** VPCs by id. */
        Map<String, VpcConf> vpcs();

        /** vSwitches by id. */
        @WithName("vswitches")
        Map<String, VSwitchConf> vSwitches();

        /** Security groups by id. */
        Map<String, SecurityGroupConf> securityGroups();

        /** How long the proxy waits for a backend to accept a connection. */
        @WithDefault("5s")
        Duration connectTimeout();
    }

    interface VpcConf {
        String cidr();
    }

    interface VSwitchConf {
        String vpc();

        String zone();

        String cidr();

        @WithDefault("250")
        long freeAddresses();
    }

    interface SecurityGroupConf {
        String vpc();

        /** {@code normal} (basic) or {@code enterprise}. */
        @WithDefault("normal")
        String type();

        /** Service-managed groups are refused like enterprise ones. */
        @WithDefault("false")
        boolean managed();

        /** Inbound accept rules as {@code protocol:port[-port]:cidr}, e.g. {@code tcp:80:127.0.0.0/8}. */
        Optional<List<String>> inbound();
    }

    /** The Alibaba Cloud provider. Credentials come from the default credential chain, never from here. */
    interface Aliyun {
        @WithDefault("cn-hangzhou")
        String regionId();

        /** Endpoints; empty means the public endpoint of the region. Tests point these at a local server. */
        Optional<String> albEndpoint();

        Optional<String> vpcEndpoint();

        Optional<String> ecsEndpoint();

        /** https in production; http only for a local test endpoint. */
        @WithDefault("https")
        String protocol();

        /** Load balancer address type: Intranet (inside the VPC) or Internet. */
        @WithDefault("Intranet")
        String addressType();

        @WithDefault("Standard")
        String loadBalancerEdition();

        @WithDefault("3m")
        Duration jobTimeout();

        @WithDefault("2s")
        Duration pollInterval();

        /** Retries of a throttled or transiently failing call. */
        @WithDefault("5")
        int maxRetries();

        @WithDefault("500ms")
        Duration retryBackoff();
    }
}

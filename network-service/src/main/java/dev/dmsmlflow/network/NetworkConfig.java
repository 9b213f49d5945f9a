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

    /**
     * {@code local} (embedded reverse proxies, resources from configuration), {@code aliyun} (Alibaba Cloud SDKs) or
     * {@code kubernetes} (a proxy Deployment and a LoadBalancer Service per instance).
     */
    @WithDefault("local")
    String provider();

    Local local();

    /**
     * Where instance-service's HTTP port answers ({@code DMS_NETWORK_INSTANCE_SERVICE_URL}): asked whether a secret a
     * tracking server presents for its token list is one of that instance's ({@code api/TrackingTokensResource}).
     */
    @WithDefault("http://127.0.0.1:8081")
    String instanceServiceUrl();

    Aliyun aliyun();

    Kubernetes kubernetes();

    /** The worker that does the saga's cloud calls outside any transaction. */
    Worker worker();

    /** Browser sign-in to a token-mode instance's MLflow UI ({@code POST /networks/{id}/ui-sign-in}). */
    UiSignIn uiSignIn();

    /**
     * A sign-in link's code works once within {@code codeLifetime}; the load balancer trades it for an access token of
     * {@code tokenLifetime} in a cookie. A member holds at most {@code tokensPerMember} such tokens per instance at once
     * (signing in again beyond that revokes their oldest).
     */
    interface UiSignIn {
        @WithDefault("60s")
        Duration codeLifetime();

        @WithDefault("8h")
        Duration tokenLifetime();

        @WithDefault("5")
        int tokensPerMember();
    }

    /** Steps run at once (never two of one instance) and how often pending steps are looked for when nobody wakes it. */
    interface Worker {
        @WithDefault("4")
        int threads();

        @WithDefault("1s")
        Duration pollInterval();
    }

    /** The local provider: a registry of network resources and a reverse proxy per load balancer. */
    interface Local {
        /** Loopback address the proxies listen on; each instance gets its own port. Environment: {@code DMS_NETWORK_BIND_HOST}. */
        @WithDefault("${DMS_NETWORK_BIND_HOST:127.0.0.1}")
        String bindHost();

        /** VPCs by id. */
        Map<String, VpcConf> vpcs();

        /** vSwitches by id. */
        @WithName("vswitches")
        Map<String, VSwitchConf> vSwitches();

        /** Security groups by id. */
        Map<String, SecurityGroupConf> securityGroups();

        /**
         * The largest request body the proxy forwards (bytes), the tracking server's own limit (1 GiB): a larger one is
         * answered 413 with the limit at once, instead of a broken upload.
         */
        @WithDefault("1073741824")
        long maxBodySize();

        /**
         * How long the proxy waits for a connection to the backend (connecting, or waiting for a free pooled connection);
         * past it the request is answered 504.
         */
        @WithDefault("5s")
        Duration connectTimeout();

        /**
         * How long a forwarded exchange may stay idle (no byte passed to or from the backend) before the proxy gives up:
         * 504 when the backend has not begun its answer, a cut connection when it stalls in the middle. Idle, not total,
         * so long uploads and downloads that keep moving are never cut (like an ALB's idle timeout, 60 s).
         */
        @WithDefault("60s")
        Duration upstreamTimeout();

        /** The active health check each load balancer runs against its backend. */
        HealthCheck healthCheck();
    }

    /**
     * An ALB-style health check: {@code GET /health} every {@code interval}, a failure when there is no 2xx answer within
     * {@code timeout}; the verdict changes after {@code unhealthyThreshold} failures or {@code healthyThreshold} passes in a
     * row. Requests are forwarded whatever the verdict (fail open).
     */
    interface HealthCheck {
        /** Time between the starts of two checks (a check that takes longer is followed at once). */
        @WithDefault("5s")
        Duration interval();

        /** How long a check waits for the answer. */
        @WithDefault("2s")
        Duration timeout();

        /** Passed checks in a row that make an unhealthy (or not yet judged) backend HEALTHY. */
        @WithDefault("2")
        int healthyThreshold();

        /** Failed checks in a row that make a healthy (or not yet judged) backend UNHEALTHY. */
        @WithDefault("3")
        int unhealthyThreshold();
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
        /** Environment: {@code DMS_ALIYUN_REGION} (shared with instance-service). */
        @WithDefault("${DMS_ALIYUN_REGION:cn-hangzhou}")
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

        /**
         * Port the tracking servers listen on (instance-service's {@code dms.compute.aliyun.port}): the compute security group
         * made with the load balancer admits it from the load balancer's vSwitches before the first server starts.
         */
        @WithDefault("5000")
        int backendPort();

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

    /**
     * The Kubernetes provider: per instance an nginx Deployment (its configuration in a ConfigMap: the ACL and the tracking
     * server's Service) behind a Service of type LoadBalancer. The API server and this service's credentials come from
     * {@code quarkus.kubernetes-client.*} (in a pod: its service account). Label lists are written {@code key=value,key=value}.
     */
    interface Kubernetes {
        /** Namespace of the load balancers' objects: the tracking servers' one (instance-service's default), so their policy admits them. */
        @WithDefault("dms-mlflow-instances")
        String namespace();

        /** The proxy image: an unprivileged nginx (listens on 8080, runs as uid 101), pinned. */
        @WithDefault("nginxinc/nginx-unprivileged:1.27.4-alpine")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** The non-root user and group nginx runs as (101 in the unprivileged image). */
        @WithDefault("101")
        long runAsUser();

        /** Proxy pods per instance. */
        @WithDefault("2")
        int replicas();

        /**
         * Labels of every load balancer pod: what instance-service's {@code dms.compute.kubernetes.load-balancer.pod-selector}
         * selects (the two defaults agree), so the tracking servers' NetworkPolicy admits these pods and nothing else.
         */
        @WithDefault("app.kubernetes.io/part-of=dms-mlflow,app.kubernetes.io/component=load-balancer")
        String podLabels();

        /** Annotations of each Service, e.g. the cloud's load balancer type ({@code service.beta.kubernetes.io/...}). */
        Map<String, String> serviceAnnotations();

        /** Requests and limits of a proxy container. */
        @WithDefault("50m")
        String cpuRequest();

        @WithDefault("64Mi")
        String memoryRequest();

        @WithDefault("128Mi")
        String memoryLimit();

        /** The largest request body forwarded (nginx {@code client_max_body_size}), the tracking server's own limit. */
        @WithDefault("1g")
        String maxBodySize();

        /** How long nginx waits for the tracking server to connect, and between two reads or writes of an exchange. */
        @WithDefault("5s")
        Duration connectTimeout();

        @WithDefault("60s")
        Duration upstreamTimeout();

        /** How long a new load balancer may take to have its address (the Service's status) and a ready pod. */
        @WithDefault("5m")
        Duration readyTimeout();

        @WithDefault("2s")
        Duration pollInterval();

        /** Between two reconciliations (missing objects made again, changed ones put back, orphans removed). */
        @WithDefault("60s")
        Duration reconcileInterval();

        /**
         * Where the VPC, vSwitch and security-group facts come from: {@code local} (the registry of {@code dms.network.local.*})
         * or {@code aliyun} (Alibaba Cloud's APIs, for a cluster in the customer's VPC).
         */
        @WithDefault("local")
        String networkFacts();

        /**
         * Whether the tracking servers behind these load balancers check MLflow tokens themselves ({@code
         * dms.tracking.auth.tokens-url}): only then is token mode offered. nginx passes the {@code Authorization} header on,
         * but does not check it.
         */
        @WithDefault("false")
        boolean trackingServersCheckTokens();

        /** Labels of the cluster DNS pods: the only destination besides its tracking server a load balancer pod may reach. */
        @WithDefault("k8s-app=kube-dns")
        String dnsPodSelector();

        /** Labels of the cluster DNS pods' namespace. */
        @WithDefault("kubernetes.io/metadata.name=kube-system")
        String dnsNamespaceSelector();
    }
}

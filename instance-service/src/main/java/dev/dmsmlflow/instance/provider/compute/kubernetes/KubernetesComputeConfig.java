package dev.dmsmlflow.instance.provider.compute.kubernetes;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the Kubernetes compute provider ({@code dms.compute.kubernetes.*}). The API server and this service's own
 * credentials come from {@code quarkus.kubernetes-client.*} (in a pod: its service account; elsewhere: the kubeconfig).
 * Label selectors are written {@code key=value,key=value}.
 */
@ConfigMapping(prefix = "dms.compute.kubernetes")
public interface KubernetesComputeConfig {

    /** Namespace of every tracking server's objects; this service's service account needs the Role of the README there. */
    @WithDefault("dms-mlflow-instances")
    String namespace();

    /** Image of the tracking server (the default version). */
    @WithDefault("dms-mlflow/tracking-server:latest")
    String image();

    /** Other tracking-server versions a redeploy may switch to: version -> image. */
    Map<String, String> versions();

    @WithDefault("IfNotPresent")
    String imagePullPolicy();

    /** Port of the tracking server and its Service; the second server of a resize uses this port + 1. */
    @WithDefault("5000")
    int port();

    /** The cluster's DNS domain, for the Service addresses handed to the load balancer. */
    @WithDefault("cluster.local")
    String clusterDomain();

    /** The non-root user and group the tracking server's container runs as. */
    @WithDefault("10001")
    long runAsUser();

    /**
     * Replicas of each instance's tracking server, spread over nodes, behind the instance's Service (any replica serves any
     * request: they share the instance's database and OSS root; tracking-server/README.md). With more than one, a
     * PodDisruptionBudget keeps all but one of them through voluntary disruptions (node drains). 1 by default: an instance's
     * spec sizes one server and is what its instance-hours are metered under, so a second replica doubles what the cluster
     * spends on every instance without changing the bill; operators who want an instance to survive a node loss without a
     * restart pay for it by raising this.
     */
    @WithDefault("1")
    int trackingServerReplicas();

    /** How long a new Deployment may take to have all its replicas available (their readiness probes passed). */
    @WithDefault("300s")
    Duration healthTimeout();

    /** Between two reads of a starting Deployment's status. */
    @WithDefault("2s")
    Duration pollInterval();

    /**
     * Base URL at which the tracking servers reach this service's HTTP port (e.g. {@code http://instance-service.dms-mlflow:8081}):
     * they fetch OSS credentials scoped to their root from {@code <it>/compute/instances/<id>/storage-credentials}, issued
     * by STS with the {@code dms.compute.aliyun.sts.*} settings.
     */
    Optional<String> credentialsUrl();

    /**
     * Base URL at which the tracking servers reach network-service's HTTP port (e.g. {@code http://network-service.dms-mlflow:8082}):
     * they fetch their instance's auth mode and MLflow token digests from {@code <it>/data-plane/instances/<id>/access-tokens}
     * (presenting their storage secret) and check tokens themselves, since the load balancer in front of them passes tokens
     * through. Required, like {@link #credentialsUrl()}: without it no instance here could be in token mode.
     */
    Optional<String> tokensUrl();

    Oss oss();

    LoadBalancer loadBalancer();

    Egress egress();

    /** The artifact store the tracking servers use (OSS). */
    interface Oss {
        /** Default: the internal endpoint of {@link #region()}. */
        Optional<String> endpoint();

        /** Region of the bucket. Environment: {@code DMS_ALIYUN_REGION}. */
        @WithDefault("${DMS_ALIYUN_REGION:cn-hangzhou}")
        String region();
    }

    /** Who may reach a tracking server: the pods of the instances' load balancer, on the tracking port only. */
    interface LoadBalancer {
        /** Labels of the load balancer's pods; never empty (an empty selector would admit every pod of the namespace). */
        @WithDefault("app.kubernetes.io/part-of=dms-mlflow,app.kubernetes.io/component=load-balancer")
        String podSelector();

        /** Labels of the namespace the load balancer runs in; none = the tracking servers' own namespace. */
        Optional<String> namespaceSelector();
    }

    /** Where a tracking server may connect to: nothing else is allowed out. */
    interface Egress {
        /** The cluster DNS. */
        Peer dns();

        /** The tracking databases' PostgreSQL (CIDRs outside the cluster, or a pod selector for one inside). */
        Peer database();

        /** The object storage endpoint (CIDRs of the OSS endpoint). */
        Peer objectStorage();

        /** This service, for the storage credentials (the port is taken from {@link #credentialsUrl()}). */
        Peer controlPlane();

        /** network-service, for the MLflow token list (the port is taken from {@link #tokensUrl()}). */
        Peer networkService();
    }

    /** One destination of a NetworkPolicy egress rule. */
    interface Peer {
        /** Address blocks, e.g. {@code 10.0.8.0/24}. */
        Optional<List<String>> cidrs();

        /** Labels of the destination pods. */
        Optional<String> podSelector();

        /** Labels of the destination pods' namespace; none = the tracking servers' own namespace. */
        Optional<String> namespaceSelector();

        /** The destination port; each peer has its own default (DNS 53 on UDP and TCP, PostgreSQL 5432, OSS 443). */
        Optional<Integer> port();
    }
}

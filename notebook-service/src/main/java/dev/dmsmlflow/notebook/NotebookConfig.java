package dev.dmsmlflow.notebook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of notebook-service ({@code dms.notebook.*}). Values read from the environment have their default in
 * application.properties beside the variable's name; the catalogue (images, clusters, profiles) lives there too; every
 * other default is here.
 */
@ConfigMapping(prefix = "dms.notebook")
public interface NotebookConfig {

    /** Runtime images by name ({@code Python3.9:1.0.9}). */
    Map<String, ImageConfig> images();

    /** Specifications offered ({@code <cores>C<GiB>G}). */
    @WithDefault("1C4G,2C8G,4C16G,8C32G")
    List<String> specs();

    /** Compute clusters by id; {@code default} is the shared one. */
    Map<String, ClusterConfig> clusters();

    /** Configuration profiles by name. */
    Map<String, ProfileConfig> profiles();

    Idle idle();

    Quota quota();

    Worker worker();

    Metering metering();

    Executions executions();

    /** Where sessions run: {@code local} (a JupyterLab process on this host) or {@code kubernetes} (a Pod per session). */
    @WithDefault("local")
    String runtime();

    Local local();

    Kubernetes kubernetes();

    Secrets secrets();

    /** Public path of a session's Jupyter server, {@code %s} = workspace, session (the gateway's route). */
    @WithDefault("/api/v1/workspaces/%s/notebook-sessions/%s/jupyter/")
    String publicJupyterPath();

    interface ImageConfig {
        /** Python version, {@code major.minor}. */
        String python();

        /** Libraries preinstalled (requirement specs). */
        Optional<List<String>> libraries();

        @WithDefault("")
        String description();
    }

    interface ClusterConfig {
        String name();

        /** VPC of the cluster's sessions. */
        String vpcId();

        /** Notebook subnet (IPv4 CIDR) the sessions' addresses come from. */
        String cidr();

        /** Workspaces a dedicated cluster is authorized for; none = shared. */
        Optional<List<String>> workspaces();
    }

    interface ProfileConfig {
        @WithDefault("")
        String description();

        /** Whether sessions of the profile get the workspace's MLflow tracking URI. */
        @WithDefault("true")
        boolean mlflowWiring();
    }

    /** Per-workspace limits; reaching one is a 409 {@code …/quota-exceeded}. */
    interface Quota {
        /** Sessions a workspace may have, whatever their status ({@code NOTEBOOK_SESSION_QUOTA}); deleting one frees it. */
        @WithDefault("20")
        int sessionsPerWorkspace();
    }

    interface Idle {
        @WithDefault("1440")
        int defaultMinutes();

        @WithDefault("5")
        int minMinutes();

        /** One week. */
        @WithDefault("10080")
        int maxMinutes();

        /** How long one minute of idle timeout lasts (tests shorten it). */
        @WithDefault("60s")
        Duration minuteLength();

        /** How often running sessions' activity is read. */
        @WithDefault("30s")
        Duration checkInterval();
    }

    /**
     * This replica's name on the leases it takes on sessions' pending work (several replicas may run). Default: the host
     * name and HTTP port, so that a replica restarted in place takes its sessions back at once; another replica takes a
     * session over when the lease ({@code dms.notebook.worker.lease}) lapsed.
     */
    Optional<String> replicaId();

    interface Worker {
        @WithDefault("1s")
        Duration pollInterval();

        /**
         * How long a replica's claim on a session's pending work lasts without renewal; it renews every third of it while
         * the runtime works, so a replica that died holds a session no longer than this.
         */
        @WithDefault("30s")
        Duration lease();

        /**
         * Whether this replica carries out sessions' pending actions at all; false leaves them to the other replicas (it
         * still serves the API and relays Jupyter), and lets tests drive the leases alone.
         */
        @WithDefault("true")
        boolean enabled();

        /** Sessions prepared or stopped at once. */
        @WithDefault("4")
        int threads();
    }

    interface Metering {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("60s")
        Duration interval();
    }

    interface Executions {
        @WithDefault("600")
        int defaultTimeoutSeconds();

        @WithDefault("86400")
        int maxTimeoutSeconds();

        /** Output kept per stream; beyond it the stream is cut with a note. */
        @WithDefault("1048576")
        int maxOutputChars();

        /** Executions running at once (each waits on its kernel). */
        @WithDefault("8")
        int threads();
    }

    interface Local {
        /** Sessions' directories (environment, runtime files, temporary storage); {@code DMS_WORK_DIR} as {@code ./dms up} sets it. */
        @WithDefault("${DMS_WORK_DIR:.dms}")
        String workDir();

        /** Local stand-in of OSS: {@code oss://b/p} is {@code <oss-root>/b/p}; default {@code <work-dir>/oss}. */
        Optional<String> ossRoot();

        /** Local stand-in of NAS: {@code nas://fs/p} is {@code <nas-root>/fs/p}; default {@code <work-dir>/nas}. */
        Optional<String> nasRoot();

        /** Where resolved environments (locks) and the uv tool are cached across runs; a leading {@code ~} is the user's home. */
        @WithDefault("${DMS_CACHE_DIR:~/.cache/dms-mlflow}")
        String cacheDir();

        /** The uv executable; default: uv on the PATH, else uv {@link #uvVersion()} installed into the cache. */
        Optional<String> uv();

        @WithDefault("0.13.9")
        String uvVersion();

        /** JupyterLab installed into every session (pinned). */
        @WithDefault("4.5.0")
        String jupyterlabVersion();

        /** Use cgroups for CPU and memory limits where the host allows ({@code auto}) or never ({@code off}). */
        @WithDefault("auto")
        String cgroups();

        /** Stop the servers when the service stops (tests); otherwise they outlive restarts and are adopted. */
        @WithDefault("false")
        boolean stopOnShutdown();

        /** Longest wait for a started server to answer. */
        @WithDefault("120s")
        Duration startTimeout();

        /** Longest environment preparation (first-time downloads included). */
        @WithDefault("15m")
        Duration installTimeout();

        /** Variables of the service's environment passed to sessions (no secret of the service ever is). */
        @WithDefault("LANG,LC_ALL,TZ,OPENBLAS_CORETYPE,OPENBLAS_L2_SIZE,PIP_CERT,PIP_DEFAULT_TIMEOUT,PIP_FIND_LINKS,PIP_DISABLE_PIP_VERSION_CHECK,SSL_CERT_FILE,SSL_CERT_DIR,REQUESTS_CA_BUNDLE")
        List<String> passEnvironment();
    }

    /**
     * The {@code kubernetes} runtime (provider/runtime/kubernetes): a Pod, Secret and NetworkPolicy per session in
     * {@link #namespace()}, through the API server Quarkus' kubernetes client is configured for ({@code quarkus.kubernetes-client.*}).
     */
    interface Kubernetes {
        /** Namespace of the sessions' objects (this service's service account needs a Role there: deploy/README.md). */
        @WithDefault("dms-notebooks")
        String namespace();

        /** Container image of a session whose catalogue image has no entry in {@link #images()}: {@code %s} = its Python version. */
        @WithDefault("quay.io/jupyter/base-notebook:python-%s")
        String image();

        /** Container images by catalogue image name ({@code "Python3.11:1.1.0"}); they must bring JupyterLab and pip. */
        Map<String, String> images();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** Jupyter's port in the Pod. */
        @WithDefault("8888")
        int port();

        /** The user (and group) the session runs as; never root. */
        @WithDefault("1000")
        long runAsUser();

        /** Group owning the volumes (the image's users group), so the session can write its storage. */
        @WithDefault("100")
        long fsGroup();

        /** Size limit of the temporary storage (an emptyDir) and of the home and package caches. */
        @WithDefault("4Gi")
        String scratchSize();

        /** Size of the PersistentVolumeClaim made for a persistent storage location ({@code oss://}, {@code nas://}). */
        @WithDefault("10Gi")
        String storageSize();

        /** Storage classes of persistent storage by scheme ({@code oss}, {@code nas}); none: the cluster's default class. */
        Map<String, String> storageClasses();

        /** Longest wait for a session's Pod to become ready (package installation included). */
        @WithDefault("15m")
        Duration startTimeout();

        /** How often a starting Pod's status is read. */
        @WithDefault("1s")
        Duration pollInterval();

        /** How long a Pod's address and token are used before they are read again (proxy calls). */
        @WithDefault("10s")
        Duration endpointCacheTime();

        /** Labels of notebook-service's own pods: the only ones a session's Jupyter port admits. */
        @WithDefault("app.kubernetes.io/name=notebook-service")
        String servicePodSelector();

        /** Labels of notebook-service's namespace, when the sessions live in another one. */
        Optional<String> serviceNamespaceSelector();

        Egress egress();

        /** Where a session's Pod may connect to, beyond DNS. */
        interface Egress {
            @WithDefault("k8s-app=kube-dns")
            String dnsPodSelector();

            @WithDefault("kubernetes.io/metadata.name=kube-system")
            String dnsNamespaceSelector();

            /** The MLflow instances' load balancers (their addresses), on {@link #loadBalancerPort()}. */
            Optional<List<String>> loadBalancerCidrs();

            /** The load balancers' pods, when they run in the cluster (network-service's kubernetes provider). */
            Optional<String> loadBalancerPodSelector();

            Optional<String> loadBalancerNamespaceSelector();

            @WithDefault("80")
            int loadBalancerPort();

            /**
             * Port of the load balancers' pods (network-service's kubernetes provider: nginx on 8080): in the cluster,
             * traffic to a LoadBalancer's address reaches them there, and a NetworkPolicy judges that.
             */
            @WithDefault("8080")
            int loadBalancerPodPort();

            /** HTTPS destinations (the package index, object storage); none: no HTTPS at all. */
            Optional<List<String>> httpsCidrs();
        }
    }

    interface Secrets {
        @WithDefault("local")
        String provider();

        Local local();

        interface Local {
            /** Master key sealing the sessions' environment variables (relative: to the service's working directory). */
            @WithDefault("${DMS_NOTEBOOK_MASTER_KEY_FILE:.dms/secrets/notebook-master-key}")
            String masterKeyFile();

            @WithDefault("true")
            boolean createIfMissing();
        }
    }
}

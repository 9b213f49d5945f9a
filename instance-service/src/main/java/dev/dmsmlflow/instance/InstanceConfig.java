package dev.dmsmlflow.instance;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Settings of the instance service ({@code dms.*}). */
@ConfigMapping(prefix = "dms")
public interface InstanceConfig {

    Network network();

    TrackingDb trackingDb();

    Saga saga();

    Metering metering();

    Quota quota();

    Secrets secrets();

    /** Where the secrets the service keeps (the tracking databases' passwords) are sealed. */
    interface Secrets {
        /**
         * {@code local}: AES-256-GCM under the master key in {@link Local#masterKeyFile()}. A production deployment replaces
         * the {@code SecretSealer} bean (e.g. with a KMS client) instead.
         */
        @WithDefault("local")
        String provider();

        Local local();

        /** The local master key. */
        interface Local {
            /**
             * File of the master key (32 random bytes, base64url; owner only); made on first start if missing. Environment:
             * {@code DMS_SECRETS_MASTER_KEY_FILE}.
             */
            @WithDefault("${DMS_SECRETS_MASTER_KEY_FILE:.dms/secrets/tracking-db-master-key}")
            String masterKeyFile();

            /** Whether a missing master key file is made (otherwise the service refuses to start). */
            @WithDefault("true")
            boolean createIfMissing();
        }
    }

    /** Quotas per workspace; reaching one is a 409 {@code …/quota-exceeded}. */
    interface Quota {
        /** Instances a workspace may have that are not RELEASED ({@code INSTANCE_QUOTA}). */
        @WithDefault("10")
        int instancesPerWorkspace();
    }

    /** Where network-service answers the synchronous dry-run. */
    interface Network {
        /** Base URL of network-service, e.g. http://127.0.0.1:8082 (several, comma-separated, are its replicas, taken in turn); POST {url}/networks/validate. Environment: {@code DMS_NETWORK_URL}. */
        @WithDefault("${DMS_NETWORK_URL:http://127.0.0.1:8082}")
        String validationUrl();

        @WithDefault("5s")
        Duration validationTimeout();
    }

    /** The PostgreSQL server on which each instance gets its own tracking database. */
    interface TrackingDb {
        /** JDBC URL of a database on that server the admin user may connect to; defaults to the service's own database. */
        Optional<String> adminUrl();

        /** Administrative user (needs CREATEDB and CREATEROLE, not SUPERUSER); defaults to the service's datasource user. */
        Optional<String> adminUser();

        Optional<String> adminPassword();
    }

    /** The saga worker. */
    interface Saga {
        /** How often pending saga steps are looked for (they are also started right after a request). */
        @WithDefault("500ms")
        Duration pollInterval();

        /** Saga steps executed in parallel (each deploy starts a JVM). */
        @WithDefault("4")
        int workers();

        /** A CREATING instance still waiting for network-service after this long fails with DEPLOY_TIMEOUT. */
        @WithDefault("10m")
        Duration deployTimeout();

        /**
         * How often the tracking servers of RUNNING instances are checked: a dead one is restarted, a live one probed
         * ({@link dev.dmsmlflow.instance.provider.compute.Compute#isLive}).
         */
        @WithDefault("10s")
        Duration watchInterval();

        /** How many times a deploy, redeploy or start tries to start the tracking server before the step fails. */
        @WithDefault("3")
        int computeStartAttempts();

        /** Consecutive failed liveness probes (one per watch) after which a hung tracking server is killed and replaced. */
        @WithDefault("3")
        int livenessFailures();

        /**
         * This replica's name on the saga steps it executes (several replicas may run). Default: the host name and HTTP
         * port, so that a replica restarted in place takes its own steps back at once; another replica takes a step over
         * when its lease ({@link #stepLease}) lapsed.
         */
        Optional<String> replicaId();

        /** How long a replica's claim on a step lasts without renewal; it renews every third of it while the step runs. */
        @WithDefault("30s")
        Duration stepLease();
    }

    /** Usage metering of running instances. */
    interface Metering {
        @WithDefault("true")
        boolean enabled();

        /** How often the metering job runs; it emits only windows that have ended. */
        @WithDefault("60s")
        Duration interval();
    }
}

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

    Consumer consumer();

    Quota quota();

    /** Quotas per workspace; reaching one is a 409 {@code …/quota-exceeded}. */
    interface Quota {
        /** Instances a workspace may have that are not RELEASED ({@code INSTANCE_QUOTA}). */
        @WithDefault("10")
        int instancesPerWorkspace();
    }

    /** The Kafka consumer of network-service's events. */
    interface Consumer {
        /** Consumer group; every replica of the service shares it. */
        @WithDefault("instance-service")
        String groupId();
    }

    /** Where network-service answers the synchronous dry-run. */
    interface Network {
        /** Base URL of network-service, e.g. http://127.0.0.1:8082; POST {url}/networks/validate. */
        @WithDefault("http://127.0.0.1:8082")
        String validationUrl();

        @WithDefault("5s")
        Duration validationTimeout();
    }

    /** The PostgreSQL server on which each instance gets its own tracking database. */
    interface TrackingDb {
        /** JDBC URL of a maintenance database on that server; defaults to the service's own server, database postgres. */
        Optional<String> adminUrl();

        /** Administrative user (needs CREATEDB and CREATEROLE); defaults to the service's datasource user. */
        Optional<String> adminUser();

        Optional<String> adminPassword();

        /** Secret from which each instance's database password is derived (HMAC); set it in production. */
        @WithDefault("dms-local-tracking-db-secret")
        String passwordSecret();
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

        /** How often the tracking servers of RUNNING instances are checked and restarted when dead. */
        @WithDefault("30s")
        Duration watchInterval();
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

package dev.dmsmlflow.tracking.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Server settings under {@code dms.tracking}. */
@ConfigMapping(prefix = "dms.tracking")
public interface TrackingConfig {
    /** Root backing the artifact proxy ({@code mlflow-artifacts:/...}): a local directory or {@code oss://bucket/prefix}. */
    @WithDefault("./mlartifacts")
    String artifactRoot();

    /**
     * SHA-256 (lowercase hex) of the secret the instance's load balancer adds to every request in
     * {@code X-Dms-Backend-Auth}; when set, other requests are refused (only the load balancer reaches the server).
     * Unset for a standalone server ({@code ./dms tracking-server}, like {@code mlflow server}).
     */
    Optional<String> backendAuthDigest();

    /**
     * When true (an instance's server: instance-service sets it), no artifact location outside the artifact root is
     * accepted or served: experiments' {@code artifact_location}, model version sources and every stored URI must be a
     * proxied {@code mlflow-artifacts:} path or an {@code oss://} URI under the root. A standalone server, like
     * {@code mlflow server}, takes any location.
     */
    @io.smallrye.config.WithDefault("false")
    boolean confineArtifactLocations();

    /** MLflow access tokens checked by this server itself (package {@code auth}). */
    Auth auth();

    interface Auth {
        /**
         * Where the instance's token digests are fetched ({@code DMS_TRACKING_AUTH_TOKENS_URL}): network-service's
         * {@code .../data-plane/instances/<id>/access-tokens}, set by instance-service for a tracking server on Alibaba
         * Cloud, whose load balancer cannot check tokens. Unset: this server checks no token (locally the load balancer does).
         */
        Optional<String> tokensUrl();

        /**
         * The secret presented to {@link #tokensUrl()} ({@code DMS_TRACKING_AUTH_TOKENS_SECRET}); when unset, the
         * server's storage secret ({@code dms.tracking.oss.credentials-secret}). Never logged.
         */
        Optional<String> tokensSecret();

        /** How often the token list is fetched again: a revoked token is refused at most this long (plus a fetch) later. */
        @WithDefault("3s")
        Duration refreshInterval();

        /** A token this server does not know makes it fetch the list at once, but no more often than this. */
        @WithDefault("1s")
        Duration unknownTokenRefreshInterval();

        /**
         * How old the last list may grow while the control plane does not answer; beyond it an instance in token mode
         * answers 503 to everything but the health endpoints (fail closed).
         */
        @WithDefault("60s")
        Duration maxStaleness();

        /** The longest wait for one answer of the token endpoint. */
        @WithDefault("2s")
        Duration fetchTimeout();
    }

    /** Runs search. */
    Search search();

    interface Search {
        /**
         * An equality filter on a param or tag that at least this many runs of the searched experiments match is
         * tested as a hashed set (one index range read once), a rarer one by a per-run probe from which
         * PostgreSQL can start; 0: always hashed. Changes plans, never results.
         */
        @WithDefault("1000")
        int hashedEqualityMinRows();
    }

    /** Readiness ({@code GET /health/ready} and {@code GET /health}, package {@code health}). */
    Health health();

    interface Health {
        /**
         * The longest a readiness answer waits for the database (a pooled connection and a trivial query); a database
         * slower than this counts as down.
         */
        @WithDefault("2s")
        Duration databaseTimeout();

        /** The longest a readiness answer waits for the artifact store's check. */
        @WithDefault("2s")
        Duration artifactStoreTimeout();

        /**
         * How long a readiness result is reused, so that load balancers and probes polling often add no database or
         * storage load; 0 checks on every request.
         */
        @WithDefault("1s")
        Duration cacheTtl();
    }

    /** OSS client settings, used when the artifact root (or an experiment's location) is {@code oss://...}. */
    Oss oss();

    interface Oss {
        /** e.g. {@code https://oss-cn-hangzhou-internal.aliyuncs.com} or a custom (path-style) endpoint. */
        Optional<String> endpoint();

        /** e.g. {@code cn-hangzhou}; required for V4 signatures. */
        Optional<String> region();

        /**
         * Where to fetch temporary OSS credentials instead of reading {@code OSS_ACCESS_KEY_ID}/{@code _SECRET}
         * ({@code OSS_SESSION_TOKEN}): instance-service's {@code .../compute/instances/<id>/storage-credentials}, set for a
         * tracking server on Alibaba Cloud. They are cached and fetched again before they expire.
         */
        Optional<String> credentialsUrl();

        /** The secret presented to {@link #credentialsUrl()} ({@code DMS_TRACKING_OSS_CREDENTIALS_SECRET}); never logged. */
        Optional<String> credentialsSecret();

        /** How long before their expiry fetched credentials are replaced (at most half their lifetime). */
        @WithDefault("5m")
        Duration credentialsRefreshMargin();
    }
}

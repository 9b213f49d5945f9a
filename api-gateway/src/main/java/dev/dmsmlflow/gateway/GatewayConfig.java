package dev.dmsmlflow.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the gateway ({@code dms.gateway.*}). Values read from the environment have their default in
 * application.properties (beside the variable's name); every other default is here.
 */
@ConfigMapping(prefix = "dms.gateway")
public interface GatewayConfig {

    /** Base URL of instance-service (env {@code DMS_INSTANCE_URL}); several, comma-separated, are its replicas (round-robin). */
    String instanceServiceUrl();

    /** Base URL of network-service (env {@code DMS_NETWORK_URL}); several, comma-separated, are its replicas (round-robin). */
    String networkServiceUrl();

    /** Base URL of notebook-service (env {@code DMS_NOTEBOOK_URL}); several, comma-separated, are its replicas (round-robin). */
    String notebookServiceUrl();
    /** Base URL of billing-service (env {@code DMS_BILLING_URL}); several, comma-separated, are its replicas (round-robin). */
    String billingServiceUrl();

    RateLimit rateLimit();

    Auth auth();

    ServiceToken serviceToken();

    Downstream downstream();

    Idempotency idempotency();

    Bootstrap bootstrap();

    Jupyter jupyter();

    /**
     * This gateway as browsers reach it, e.g. {@code https://console.example.com} behind a TLS proxy: the single sign-on's
     * redirect URI is built from it, and an {@code https} address makes every cookie the gateway sets {@code Secure}.
     * Unset: the request's own scheme and host.
     */
    Optional<String> publicUrl();

    Oidc oidc();

    /**
     * How often browser sign-in tokens that a role change left too powerful, and that a service could not revoke at the
     * time, are tried again.
     */
    @WithDefault("30s")
    Duration browserTokenRetryInterval();

    /** Requests per API key: a token bucket in each replica's memory. */
    interface RateLimit {
        /** Sustained requests per second per key. */
        @WithDefault("50")
        double rate();

        /** Requests a key may send at once before the rate applies. */
        @WithDefault("100")
        int burst();
    }

    /** API key look-ups. */
    interface Auth {
        /**
         * How long a replica trusts a key or membership it has read (revocations and role changes made through another
         * replica take effect here within this time; through this replica at once).
         */
        @WithDefault("10s")
        Duration cacheTtl();

        /** Entries kept per cache. */
        @WithDefault("100000")
        long cacheSize();

        /** A key's last-used time is written at most once per this interval (per replica). */
        @WithDefault("60s")
        Duration lastUsedInterval();
    }

    /** The signed token the gateway sends to services (docs/identity.md). */
    interface ServiceToken {
        @WithDefault("120s")
        Duration lifetime();
    }

    /** HTTP to the services. */
    interface Downstream {
        @WithDefault("2s")
        Duration connectTimeout();

        /** Longest wait for a service's answer. */
        @WithDefault("30s")
        Duration requestTimeout();

        /** Pooled connections per service. */
        @WithDefault("64")
        int maxPoolSize();
    }

    interface Idempotency {
        /** How long a first answer is replayed. */
        @WithDefault("24h")
        Duration retention();

        /** A request still marked in flight after this long is taken to have died and may be retried. */
        @WithDefault("2m")
        Duration inFlightTimeout();
    }

    /** First start: the first owner, workspace and API key. */
    interface Bootstrap {
        /** Where to write the bootstrap key (env {@code DMS_BOOTSTRAP_KEY_FILE}); unset = no bootstrap. */
        Optional<Path> keyFile();

        @WithDefault("ws-1")
        String workspaceId();

        @WithDefault("admin")
        String memberName();
    }

    /** Browser sign-in to a notebook session's JupyterLab: a one-time link exchanged for a cookie bound to the session. */
    interface Jupyter {
        /** How long a link may wait before it is opened (it works once). */
        @WithDefault("60s")
        Duration linkLifetime();

        /** How long the cookie a link gives lasts (never beyond the expiry of the API key that asked for the link). */
        @WithDefault("8h")
        Duration cookieLifetime();

        /**
         * How often an open Jupyter WebSocket's credentials (API key or cookie, the key behind it, the member's role) are
         * checked again; a socket whose caller lost access is closed (1008) within this time.
         */
        @WithDefault("15s")
        Duration socketRecheckInterval();
    }

    /** The console's single sign-on (with {@code quarkus.oidc.*} on). */
    interface Oidc {
        /** Offer single sign-on on the console's sign-in page (needs {@code quarkus.oidc.auth-server-url}). */
        @WithDefault("true")
        boolean consoleSignIn();

        /** Scopes asked for at sign-in. */
        @WithDefault("openid profile email")
        String scopes();

        /**
         * How long the gateway keeps a browser's refresh token at most, from the sign-in (the provider may end it sooner):
         * the console renews its access token within this time, then signs in again.
         */
        @WithDefault("12h")
        Duration sessionLifetime();

        /** How often expired sign-ins, hand-offs and sessions are deleted. */
        @WithDefault("60s")
        Duration sweepInterval();
    }
}

package dev.dmsmlflow.tracking.http;

import dev.dmsmlflow.tracking.config.TrackingConfig;
import dev.dmsmlflow.tracking.health.HealthRoutes;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Only the instance's load balancer reaches this server: when {@code dms.tracking.backend-auth-digest} is set, every
 * request (API, artifacts, UI, GraphQL) must carry the per-instance secret in {@value #HEADER} whose SHA-256 is that
 * digest; the proxy adds it and strips any value a client sent. The server only knows the digest, never the secret.
 * The health endpoints ({@link HealthRoutes#OPEN_PATHS}: {@code /health}, {@code /health/live}, {@code /health/ready})
 * stay open to GET and HEAD without any secret: they tell only up or down and a short reason, and the compute's probes
 * call them directly.
 */
@ApplicationScoped
public class BackendAuth {

    /** The header the load balancer sets. */
    public static final String HEADER = "X-Dms-Backend-Auth";
    private static final Logger LOG = Logger.getLogger(BackendAuth.class);
    /** Runs before every route, static resources included. */
    private static final int PRIORITY = 10_000;

    void register(@Observes Filters filters, TrackingConfig config) {
        String digest = config.backendAuthDigest().map(String::trim).orElse("");
        if (digest.isEmpty()) {
            LOG.info("no backend-auth digest: every client that reaches this address is served (standalone mode)");
            return;
        }
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(digest.toLowerCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("dms.tracking.backend-auth-digest must be 64 hex digits");
        }
        if (expected.length != 32) {
            throw new IllegalStateException("dms.tracking.backend-auth-digest must be 64 hex digits");
        }
        filters.register(ctx -> check(ctx, expected), PRIORITY);
        LOG.info("requests are served only with the load balancer's backend secret");
    }

    private static void check(RoutingContext ctx, byte[] expected) {
        String secret = ctx.request().getHeader(HEADER);
        if (secret != null && MessageDigest.isEqual(sha256(secret), expected)) {
            ctx.next();
            return;
        }
        HttpMethod method = ctx.request().method();
        if (secret == null && (method == HttpMethod.GET || method == HttpMethod.HEAD)
                && HealthRoutes.OPEN_PATHS.contains(ctx.request().path())) {
            ctx.next();
            return;
        }
        Routes.sendError(ctx, new MlflowException(ErrorCode.PERMISSION_DENIED,
                "This server accepts requests from its instance's load balancer only; use the instance's VPC address."));
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.dmsmlflow.tracking.auth;

import dev.dmsmlflow.mlflowaccess.MlflowCredentials;
import dev.dmsmlflow.mlflowaccess.MlflowRequests;
import dev.dmsmlflow.tracking.config.TrackingConfig;
import dev.dmsmlflow.tracking.health.HealthRoutes;
import dev.dmsmlflow.tracking.http.ErrorCode;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.Routes;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URI;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * MLflow access tokens checked by the tracking server itself, for an instance in auth mode {@code token} whose load
 * balancer cannot check them (an ALB on Alibaba Cloud). With {@code dms.tracking.auth.tokens-url} set, every request but
 * GET/HEAD of the health endpoints needs a token as unmodified clients send it ({@link MlflowCredentials}): one the
 * control plane lists as active (digests compared in constant time), not expired, and of scope {@code read-write} unless
 * the request only reads ({@link MlflowRequests}, the table the local load balancer uses). Answers as the local load
 * balancer does: 401 {@code UNAUTHENTICATED} with {@code WWW-Authenticate}, 403 {@code PERMISSION_DENIED}; 503 when the
 * list is older than {@code max-staleness} (the control plane has not answered: fail closed). The list is fetched every
 * {@code refresh-interval}, and at once (at most every {@code unknown-token-refresh-interval}) for a token it does not
 * hold, so a new token works at once and a revoked one stops within seconds. An instance switched to {@code network} mode
 * is served without tokens from the next list on.
 */
@ApplicationScoped
public class TokenAuth {

    private static final Logger LOG = Logger.getLogger(TokenAuth.class);
    /** After {@code BackendAuth} (10,000: only the load balancer reaches the server), before every route. */
    private static final int PRIORITY = 9_000;

    /** What to do with a request. */
    public enum Verdict { PASS, UNAUTHENTICATED, READ_ONLY, UNAVAILABLE, UNKNOWN_TOKEN }

    /** A verdict and the grant it was made on (null when none). */
    public record Decision(Verdict verdict, TokenFeed.Grant grant) {
    }

    private TokenFeed feed;
    private Duration maxStaleness;
    private Duration unknownRefresh;
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService timer;

    void register(@Observes Filters filters, TrackingConfig config) {
        TrackingConfig.Auth auth = config.auth();
        String url = auth.tokensUrl().map(String::trim).orElse("");
        if (url.isEmpty()) {
            return;
        }
        String secret = auth.tokensSecret().or(() -> config.oss().credentialsSecret()).orElse(null);
        feed = new TokenFeed(URI.create(url), secret, auth.fetchTimeout(), clock);
        maxStaleness = auth.maxStaleness();
        unknownRefresh = auth.unknownTokenRefreshInterval();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "token-feed-refresh");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(50, auth.refreshInterval().toMillis());
        timer.scheduleWithFixedDelay(() -> feed.refresh().join(), 0, every, TimeUnit.MILLISECONDS);
        filters.register(this::check, PRIORITY);
        LOG.infof("MLflow access tokens are checked here (%s, refreshed every %s ms, fail closed after %s)", feed, every,
                maxStaleness);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void check(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        if ((method == HttpMethod.GET || method == HttpMethod.HEAD) && HealthRoutes.OPEN_PATHS.contains(ctx.request().path())) {
            ctx.next();
            return;
        }
        String authorization = ctx.request().getHeader("Authorization");
        Instant now = clock.instant();
        Decision d = judge(feed.current(), now, maxStaleness, method.name(), ctx.request().path(), authorization);
        if (d.verdict() == Verdict.UNKNOWN_TOKEN) {
            // perhaps a token made a moment ago: judge again on a list asked for after this request arrived (fetches for
            // unknown tokens are shared and rate-limited), without blocking the event loop
            ctx.request().pause();
            Context context = Vertx.currentContext();
            feed.fresherThan(now, unknownRefresh).whenComplete((s, e) -> context.runOnContext(v -> answer(ctx,
                    judgeUnknown(s, now, clock.instant(), maxStaleness, method.name(), ctx.request().path(), authorization))));
            return;
        }
        answer(ctx, d);
    }

    private static void answer(RoutingContext ctx, Decision d) {
        switch (d.verdict()) {
            case PASS -> ctx.next();
            case READ_ONLY -> Routes.sendError(ctx, new MlflowException(ErrorCode.PERMISSION_DENIED, "The token "
                    + d.grant().tokenId() + " may only read; " + ctx.request().method().name() + " " + ctx.request().path()
                    + " writes."));
            case UNAVAILABLE -> Routes.sendError(ctx, new MlflowException(ErrorCode.TEMPORARILY_UNAVAILABLE,
                    "This server cannot check access tokens right now (the control plane has not answered); try again shortly."));
            default -> {
                ctx.response().headers().add("WWW-Authenticate", "Basic realm=\"mlflow\"")
                        .add("WWW-Authenticate", "Bearer realm=\"mlflow\"");
                Routes.sendError(ctx, new MlflowException(ErrorCode.UNAUTHENTICATED, "This MLflow instance needs an access"
                        + " token: set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (the"
                        + " token as the password)."));
            }
        }
    }

    /**
     * The second verdict on a token the list did not know, by the list fetched for it. When no list asked for after the
     * request arrived could be had (the fetch failed or timed out), the server cannot tell a brand-new token from a false
     * one: that is a 503 the clients retry, not a 401 that would turn a valid token away.
     */
    static Decision judgeUnknown(TokenFeed.Snapshot s, Instant arrived, Instant now, Duration maxStaleness, String method,
                                 String path, String authorization) {
        Decision d = judge(s, now, maxStaleness, method, path, authorization);
        if (d.verdict() == Verdict.UNKNOWN_TOKEN && (s == null || s.askedAt().isBefore(arrived))) {
            return new Decision(Verdict.UNAVAILABLE, null);
        }
        return d;
    }

    /**
     * The verdict on a request by the list {@code s} (null: none yet) at {@code now}. {@link Verdict#UNKNOWN_TOKEN} is a
     * well-formed token the list does not hold: a 401, unless a fresher list knows it.
     */
    public static Decision judge(TokenFeed.Snapshot s, Instant now, Duration maxStaleness, String method, String path,
                                 String authorization) {
        if (s != null && !s.tokenMode()) {
            // network mode: the ACL and the security group decide; a stale list cannot switch it to token mode anyway
            return new Decision(Verdict.PASS, null);
        }
        if (s == null || s.fetchedAt().plus(maxStaleness).isBefore(now)) {
            return new Decision(Verdict.UNAVAILABLE, null);
        }
        String token = MlflowCredentials.token(authorization);
        if (token == null) {
            return new Decision(Verdict.UNAUTHENTICATED, null);
        }
        byte[] digest = MlflowCredentials.digest(token);
        TokenFeed.Grant found = null;
        for (TokenFeed.Grant g : s.grants()) {
            // every digest compared in full and in constant time; the loop does not stop at a match
            if (MessageDigest.isEqual(g.digest(), digest)) {
                found = g;
            }
        }
        if (found == null) {
            return new Decision(Verdict.UNKNOWN_TOKEN, null);
        }
        if (found.expiresAt() != null && !found.expiresAt().isAfter(now)) {
            return new Decision(Verdict.UNAUTHENTICATED, found);
        }
        if (!found.readWrite() && !MlflowRequests.readsOnly(method, path)) {
            return new Decision(Verdict.READ_ONLY, found);
        }
        return new Decision(Verdict.PASS, found);
    }
}

package dev.dmsmlflow.tracking.health;

import dev.dmsmlflow.tracking.config.TrackingConfig;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The health endpoints (GET and HEAD), open without the backend secret ({@link #OPEN_PATHS}):
 * <ul>
 * <li>{@code /health/live}: 200 {@code OK} (text) whenever the process serves HTTP; touches nothing else, so a
 * liveness probe restarts only a server that no longer answers at all;</li>
 * <li>{@code /health/ready}: JSON, 200 {@code {"status":"UP","checks":[...]}} or 503 with {@code "DOWN"} and a
 * {@code reason} on each failing check ({@link Readiness}: database, artifact store);</li>
 * <li>{@code /health}: upstream MLflow's endpoint, what the load balancer checks: 200 {@code OK} (text) when ready,
 * else 503 with the failing checks' reasons as text.</li>
 * </ul>
 * Readiness answers are computed off the HTTP threads and never wait longer than the longest check timeout.
 */
@ApplicationScoped
public class HealthRoutes implements RouteProvider {
    public static final String HEALTH = "/health";
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    /** Paths served to GET and HEAD without the backend secret: they tell nothing but up or down and why. */
    public static final Set<String> OPEN_PATHS = Set.of(HEALTH, LIVE, READY);

    @Inject
    DatabaseCheck database;
    @Inject
    ArtifactStoreCheck artifactStore;
    @Inject
    TrackingConfig config;

    private Readiness readiness;

    @PostConstruct
    void init() {
        readiness = new Readiness(List.of(database, artifactStore), config.health().cacheTtl());
    }

    void stop(@Observes ShutdownEvent ev) {
        readiness.close();
    }

    @Override
    public void register(Routes routes) {
        for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
            routes.router().route(m, LIVE).handler(ctx -> text(ctx, 200, "OK"));
            routes.router().route(m, READY).handler(ctx -> withReport(ctx, HealthRoutes::answerReady));
            routes.router().route(m, HEALTH).handler(ctx -> withReport(ctx, HealthRoutes::answerHealth));
        }
    }

    private void withReport(RoutingContext ctx, BiConsumer<RoutingContext, Readiness.Report> answer) {
        Context vertx = Vertx.currentContext();
        readiness.report().whenComplete((report, failure) -> vertx.runOnContext(v -> {
            if (ctx.response().ended() || ctx.response().closed()) {
                return; // the client gave up
            }
            if (failure != null) {
                text(ctx, 503, "readiness could not be determined");
            } else {
                answer.accept(ctx, report);
            }
        }));
    }

    private static void answerReady(RoutingContext ctx, Readiness.Report report) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", report.up() ? "UP" : "DOWN");
        ArrayNode checks = body.putArray("checks");
        for (Readiness.CheckStatus c : report.checks()) {
            ObjectNode check = checks.addObject().put("name", c.name()).put("status", c.up() ? "UP" : "DOWN");
            if (!c.up()) {
                check.put("reason", c.reason());
            }
        }
        finish(ctx, report.up() ? 200 : 503, "application/json", body.toString());
    }

    private static void answerHealth(RoutingContext ctx, Readiness.Report report) {
        text(ctx, report.up() ? 200 : 503, report.up() ? "OK" : report.downReasons());
    }

    private static void text(RoutingContext ctx, int status, String body) {
        finish(ctx, status, "text/plain", body);
    }

    /** Answers {@code body}, or only the head for HEAD (the HTTP layer would send the body). */
    private static void finish(RoutingContext ctx, int status, String contentType, String body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", contentType).putHeader("Cache-Control", "no-store");
        if (ctx.request().method() == HttpMethod.HEAD) {
            ctx.response().end();
        } else {
            ctx.response().end(body);
        }
    }
}

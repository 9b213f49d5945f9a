package dev.dmsmlflow.tracking.http;

import io.quarkus.arc.All;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;

/** Wires every {@link RouteProvider} bean into the HTTP router and answers unknown API paths in MLflow's format. */
@ApplicationScoped
public class RouterSetup {
    private static final Logger LOG = Logger.getLogger(RouterSetup.class);

    void init(@Observes Router router, @All List<RouteProvider> providers) {
        Routes routes = new Routes(router);
        for (RouteProvider p : providers) {
            p.register(routes);
        }
        for (String root : List.of("/api/*", "/ajax-api/*")) {
            router.route(root).order(Integer.MAX_VALUE - 100).handler(this::notFound);
            router.route(root).failureHandler(this::failure);
        }
        LOG.debugf("Registered %d route providers", providers.size());
    }

    private void notFound(RoutingContext ctx) {
        Routes.sendError(ctx, new MlflowException(ErrorCode.ENDPOINT_NOT_FOUND,
                "No endpoint " + ctx.request().method() + " " + ctx.request().path()));
    }

    /** The body limit of the route that refused: artifacts take up to the server's limit, JSON endpoints less. */
    private static long bodyLimit(RoutingContext ctx) {
        if (!ctx.request().path().contains("/mlflow-artifacts/")) {
            return Routes.MAX_JSON_BODY;
        }
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.limits.max-body-size", io.quarkus.runtime.configuration.MemorySize.class)
                .map(io.quarkus.runtime.configuration.MemorySize::asLongValue).orElse(1L << 30);
    }

    private void failure(RoutingContext ctx) {
        int status = ctx.statusCode();
        Throwable t = ctx.failure();
        if (t instanceof MlflowException me) {
            Routes.sendError(ctx, me);
        } else if (status == 413) {
            Routes.send(ctx, 413, g -> {
                g.writeStartObject();
                g.writeStringField("error_code", ErrorCode.INVALID_PARAMETER_VALUE.name());
                g.writeStringField("message", "Request body too large: the limit is " + bodyLimit(ctx) + " bytes");
                g.writeEndObject();
            });
        } else if (status >= 400 && status < 500) {
            Routes.send(ctx, status, g -> {
                g.writeStartObject();
                g.writeStringField("error_code", status == 404 ? "ENDPOINT_NOT_FOUND" : ErrorCode.BAD_REQUEST.name());
                g.writeStringField("message", "Bad request");
                g.writeEndObject();
            });
        } else {
            LOG.error("Unhandled failure on " + ctx.request().path(), t);
            Routes.sendError(ctx, new MlflowException(ErrorCode.INTERNAL_ERROR, "Internal error"));
        }
    }
}

package dev.dmsmlflow.tracking.system;

import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import jakarta.enterprise.context.ApplicationScoped;

/** {@code /version}, answered as plain text like upstream ({@code /health} is the health package's). */
@ApplicationScoped
public class SystemRoutes implements RouteProvider {
    /** The MLflow version we speak; clients only display it. */
    public static final String MLFLOW_VERSION = "3.6.0";

    @Override
    public void register(Routes routes) {
        routes.router().get("/version").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end(MLFLOW_VERSION));
    }
}

package dev.dmsmlflow.tracking.ui;

import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls the MLflow web UI makes besides the tracking API: server facts, the features we do not run
 * (AI gateway, assistant, UI telemetry) answered as upstream answers when they are not configured, and
 * the dataset summaries of the experiment page. The UI itself (index.html at {@code /}, the bundle under
 * {@code /static-files/}) is served from {@code META-INF/resources}, unpacked there by the build.
 */
@ApplicationScoped
public class UiRoutes implements RouteProvider {
    static final int MAX_EXPERIMENTS_PER_DATASET_SEARCH = 20;
    static final int MAX_DATASET_SUMMARIES = 1000;

    @Inject
    Db db;

    /** index.html of the UI (small; read once), or null when the build did not unpack the UI. */
    private static final byte[] INDEX = readIndex();

    private static byte[] readIndex() {
        try (java.io.InputStream in = UiRoutes.class.getResourceAsStream("/META-INF/resources/index.html")) {
            return in == null ? null : in.readAllBytes();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Override
    public void register(Routes r) {
        // The page itself must not be cached (it names the bundle of this UI version; a cached one would
        // keep an upgraded server's users on the old bundle); the hashed bundle files are cached for long.
        for (String page : List.of("/", "/index.html", "/static-files/index.html")) {
            r.router().route(HttpMethod.GET, page).handler(ctx -> {
                if (INDEX == null) {
                    ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                            .end("The MLflow web UI is not part of this build (it is unpacked from the mlflow wheel at build time).");
                    return;
                }
                ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-cache")
                        .end(io.vertx.core.buffer.Buffer.buffer(INDEX));
            });
        }
        for (String root : List.of("/api/3.0/mlflow/", "/ajax-api/3.0/mlflow/")) {
            // upstream: the store's kind and whether workspaces are on; ours is a SQL store without workspaces. Clients
            // from 3.18 read the artifact flags before each artifact transfer: this server proxies artifacts and has no
            // presigned or multipart transfers (its mpu/ and presigned/ endpoints answer 501), so clients upload and
            // download through the proxy, as they also do when a flag is missing.
            r.absolute(HttpMethod.GET, root + "server-info", req -> g -> {
                g.writeStartObject();
                g.writeStringField("store_type", "SqlStore");
                g.writeBooleanField("workspaces_enabled", false);
                g.writeBooleanField("artifact_serving_enabled", true);
                g.writeBooleanField("multipart_uploads_enabled", false);
                g.writeBooleanField("multipart_downloads_enabled", false);
                g.writeBooleanField("artifacts_presigned_only", false);
                g.writeEndObject();
            });
        }
        // the AI assistant runs only beside a local upstream server; here it has no providers or projects
        r.absolute(HttpMethod.GET, "/ajax-api/3.0/mlflow/assistant/config", req -> g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("providers");
            g.writeEndObject();
            g.writeObjectFieldStart("projects");
            g.writeEndObject();
            g.writeEndObject();
        });
        // UI telemetry is off: nothing is collected, the UI is told not to send
        r.absolute(HttpMethod.GET, "/ajax-api/3.0/mlflow/ui-telemetry", req -> g -> {
            g.writeStartObject();
            g.writeBooleanField("disable_ui_telemetry", true);
            g.writeArrayFieldStart("disable_ui_events");
            g.writeEndArray();
            g.writeNumberField("ui_rollout_percentage", 0);
            g.writeEndObject();
        });
        r.absolute(HttpMethod.POST, "/ajax-api/3.0/mlflow/ui-telemetry", req -> g -> {
            g.writeStartObject();
            g.writeStringField("status", "disabled");
            g.writeEndObject();
        });
        // no deployments target is configured: upstream then pretends an empty gateway is running
        for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.POST)) {
            r.absolute(m, "/ajax-api/2.0/mlflow/gateway-proxy", req -> g -> {
                g.writeStartObject();
                g.writeArrayFieldStart("endpoints");
                g.writeEndArray();
                g.writeEndObject();
            });
        }
        for (String root : List.of("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/")) {
            r.absolute(HttpMethod.POST, root + "experiments/search-datasets", this::searchDatasets);
        }
        // The AI gateway (LLM provider credentials, endpoints, budgets) is not offered: its pages show
        // their set-up state, and its lists are empty, as on an upstream server where nothing was set up.
        r.absolute(HttpMethod.GET, "/ajax-api/3.0/mlflow/gateway/secrets/config", req -> g -> {
            g.writeStartObject();
            g.writeBooleanField("secrets_available", false);
            g.writeBooleanField("using_default_passphrase", true);
            g.writeEndObject();
        });
        for (String list : List.of("endpoints/list", "secrets/list", "model-definitions/list", "budgets/list",
                "guardrails/list", "endpoints/bindings/list")) {
            r.absolute(HttpMethod.GET, "/ajax-api/3.0/mlflow/gateway/" + list, req -> JsonBody.EMPTY);
        }
    }

    /** Distinct (experiment, dataset name, digest, context) of the datasets logged to runs of the experiments. */
    JsonBody searchDatasets(MlflowRequest req) {
        List<String> ids = req.strings("experiment_ids");
        if (ids.isEmpty()) {
            throw MlflowException.invalidParameter("SearchDatasets request must specify at least one experiment_id.");
        }
        if (ids.size() > MAX_EXPERIMENTS_PER_DATASET_SEARCH) {
            throw MlflowException.invalidParameter("SearchDatasets request cannot specify more than "
                    + MAX_EXPERIMENTS_PER_DATASET_SEARCH + " experiment_ids. Received " + ids.size() + " experiment_ids.");
        }
        Long[] exps = new Long[ids.size()];
        for (int i = 0; i < exps.length; i++) {
            try {
                exps[i] = Long.parseLong(ids.get(i));
            } catch (NumberFormatException e) {
                throw MlflowException.invalidParameter("Invalid experiment ID: '" + ids.get(i) + "'");
            }
        }
        record Summary(long experimentId, String name, String digest, String context) {
        }
        List<Summary> rows = db.read(c -> {
            List<Summary> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT d.experiment_id, d.name, d.digest, t.value FROM datasets d "
                            + "JOIN run_dataset_inputs i ON i.dataset_uuid = d.dataset_uuid "
                            + "LEFT JOIN run_dataset_input_tags t ON t.run_uuid = i.run_uuid AND t.dataset_uuid = i.dataset_uuid "
                            + "AND t.key = 'mlflow.data.context' "
                            + "WHERE d.experiment_id = ANY(?) ORDER BY d.experiment_id, d.name, d.digest, t.value LIMIT ?")) {
                ps.setArray(1, c.createArrayOf("bigint", exps));
                ps.setInt(2, MAX_DATASET_SUMMARIES);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Summary(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
            return out;
        });
        return g -> {
            g.writeStartObject();
            if (!rows.isEmpty()) {
                g.writeArrayFieldStart("dataset_summaries");
                for (Summary s : rows) {
                    g.writeStartObject();
                    g.writeStringField("experiment_id", Long.toString(s.experimentId()));
                    g.writeStringField("name", s.name());
                    g.writeStringField("digest", s.digest());
                    if (s.context() != null) {
                        g.writeStringField("context", s.context());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }
}

package dev.dmsmlflow.tracking.scorers;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.experiments.ExperimentStore;
import dev.dmsmlflow.tracking.http.Endpoint;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Scorers registered on an experiment (versioned serialized scorers) under /api/3.0/mlflow/scorers. The
 * server stores them and never runs them; a scorer whose judge model is an AI gateway endpoint is refused
 * as upstream refuses it when no such endpoint exists (this server has no gateway).
 */
@ApplicationScoped
public class ScorerRoutes implements RouteProvider {
    static final int MAX_NAME = 256;

    @Inject
    Db db;
    @Inject
    ExperimentStore experiments;

    /** One scorer version. */
    record Version(String scorerId, long experimentId, String name, int version, String serialized, long creationTime) {
        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeNumberField("experiment_id", experimentId);
            g.writeStringField("scorer_name", name);
            g.writeNumberField("scorer_version", version);
            g.writeStringField("serialized_scorer", serialized);
            g.writeNumberField("creation_time", creationTime);
            g.writeStringField("scorer_id", scorerId);
            g.writeEndObject();
        }
    }

    private static void v3(Routes r, HttpMethod m, String path, Endpoint e) {
        r.absolute(m, "/api/3.0/mlflow/" + path, e);
        r.absolute(m, "/ajax-api/3.0/mlflow/" + path, e);
    }

    @Override
    public void register(Routes r) {
        v3(r, HttpMethod.POST, "scorers/register", this::registerScorer);
        v3(r, HttpMethod.GET, "scorers/list", req -> list(query(experimentId(req), null, null, true)));
        v3(r, HttpMethod.GET, "scorers/versions", req -> {
            String name = name(req);
            List<Version> v = query(experimentId(req), name, null, false);
            if (v.isEmpty()) {
                throw notFound(name, req.string("experiment_id"));
            }
            return list(v);
        });
        v3(r, HttpMethod.GET, "scorers/get", req -> {
            String name = name(req);
            Long version = req.int64("version");
            List<Version> v = query(experimentId(req), name, version, version == null);
            if (v.isEmpty()) {
                throw version == null ? notFound(name, req.string("experiment_id"))
                        : MlflowException.notFound("Scorer with name '" + name + "' and version " + version
                        + " not found for experiment " + req.string("experiment_id") + ".");
            }
            Version found = v.get(0);
            return g -> {
                g.writeStartObject();
                g.writeFieldName("scorer");
                found.write(g);
                g.writeEndObject();
            };
        });
        v3(r, HttpMethod.DELETE, "scorers/delete", this::delete);
        // online scoring runs gateway-model judges; without a gateway no scorer qualifies, so there are no configs
        v3(r, HttpMethod.GET, "scorers/online-configs", req -> g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("configs");
            g.writeEndArray();
            g.writeEndObject();
        });
        v3(r, HttpMethod.PUT, "scorers/online-config", this::onlineConfig);
    }

    /** Upstream accepts sample_rate 0 (turning online scoring off) and refuses others for non-gateway judges. */
    private JsonBody onlineConfig(MlflowRequest req) {
        long exp = experimentId(req);
        String name = name(req);
        Double rate = req.dbl("sample_rate");
        if (rate == null) {
            throw MlflowException.missing("sample_rate");
        }
        if (rate.isNaN() || rate < 0 || rate > 1) {
            throw MlflowException.invalidParameter("sample_rate must be between 0.0 and 1.0, got " + rate);
        }
        String filter = req.string("filter_string");
        List<Version> latest = query(exp, name, null, true);
        if (latest.isEmpty()) {
            throw notFound(name, Long.toString(exp));
        }
        if (rate > 0) {
            throw MlflowException.invalidParameter("Scorer '" + name + "' does not use a gateway model. Automatic evaluation "
                    + "is only supported for scorers that use gateway models.");
        }
        String scorerId = latest.get(0).scorerId();
        return g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("config");
            g.writeStringField("online_scoring_config_id", UUID.randomUUID().toString());
            g.writeStringField("scorer_id", scorerId);
            g.writeNumberField("sample_rate", rate);
            Json.str(g, "filter_string", filter);
            g.writeStringField("experiment_id", Long.toString(exp));
            g.writeEndObject();
            g.writeEndObject();
        };
    }

    private static MlflowException notFound(String name, String experimentId) {
        return MlflowException.notFound("Scorer with name '" + name + "' not found for experiment " + experimentId + ".");
    }

    private static String name(MlflowRequest req) {
        String name = req.string("name");
        if (name == null) {
            throw MlflowException.invalidParameter("Scorer name cannot be None.");
        }
        if (name.isBlank()) {
            throw MlflowException.invalidParameter("Scorer name cannot be empty or contain only whitespace.");
        }
        if (name.length() > MAX_NAME) {
            throw MlflowException.invalidParameter("Scorer name must be at most " + MAX_NAME + " characters.");
        }
        return name;
    }

    private static long experimentId(MlflowRequest req) {
        String id = req.requiredString("experiment_id");
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.notFound("No Experiment with id=" + id + " exists");
        }
    }

    private JsonBody registerScorer(MlflowRequest req) {
        String name = name(req);
        String expId = req.requiredString("experiment_id");
        String serialized = req.requiredString("serialized_scorer");
        JsonNode data;
        try {
            data = Json.MAPPER.readTree(serialized);
        } catch (IOException e) {
            throw MlflowException.invalidParameter("Invalid serialized_scorer: not valid JSON");
        }
        if (data == null || !data.isObject()) {
            throw MlflowException.invalidParameter("Invalid serialized_scorer: expected a JSON object");
        }
        String model = model(data);
        if (model != null) {
            if (model.isBlank()) {
                throw MlflowException.invalidParameter("Scorer model cannot be empty or contain only whitespace.");
            }
            if (model.startsWith("gateway:/")) {
                throw MlflowException.notFound("GatewayEndpoint not found (name='" + model.substring("gateway:/".length())
                        + "'): this tracking server has no AI gateway endpoints");
            }
        }
        long now = System.currentTimeMillis();
        Version v = db.tx(c -> {
            long exp = experiments.requireActive(c, expId).id();
            String scorerId;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO scorers (scorer_id, experiment_id, scorer_name) "
                    + "VALUES (?, ?, ?) ON CONFLICT (experiment_id, scorer_name) DO UPDATE SET scorer_name = EXCLUDED.scorer_name "
                    + "RETURNING scorer_id")) {
                ps.setString(1, UUID.randomUUID().toString());
                ps.setLong(2, exp);
                ps.setString(3, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    scorerId = rs.getString(1);
                }
            }
            int version;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO scorer_versions (scorer_id, scorer_version, "
                    + "serialized_scorer, creation_time) SELECT ?, COALESCE(MAX(scorer_version), 0) + 1, ?, ? "
                    + "FROM scorer_versions WHERE scorer_id = ? RETURNING scorer_version")) {
                ps.setString(1, scorerId);
                ps.setString(2, serialized);
                ps.setLong(3, now);
                ps.setString(4, scorerId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    version = rs.getInt(1);
                }
            }
            return new Version(scorerId, exp, name, version, serialized, now);
        });
        return g -> {
            g.writeStartObject();
            g.writeNumberField("version", v.version());
            g.writeStringField("scorer_id", v.scorerId());
            g.writeStringField("experiment_id", Long.toString(v.experimentId()));
            g.writeStringField("name", v.name());
            g.writeStringField("serialized_scorer", v.serialized());
            g.writeNumberField("creation_time", v.creationTime());
            g.writeEndObject();
        };
    }

    /** The judge model named in a serialized scorer, if any. */
    static String model(JsonNode data) {
        for (String k : new String[]{"instructions_judge_pydantic_data", "builtin_scorer_pydantic_data", "third_party_scorer_data"}) {
            JsonNode d = data.get(k);
            if (d != null && d.isObject() && d.hasNonNull("model")) {
                return d.get("model").asText();
            }
        }
        JsonNode mem = data.get("memory_augmented_judge_data");
        if (mem != null && mem.isObject() && mem.get("base_judge") != null) {
            return model(mem.get("base_judge"));
        }
        return null;
    }

    private JsonBody delete(MlflowRequest req) {
        long exp = experimentId(req);
        String name = name(req);
        Long version = req.int64("version");
        int n = db.tx(c -> {
            String id = scorerId(c, exp, name);
            if (id == null) {
                throw notFound(name, Long.toString(exp));
            }
            if (version == null) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM scorers WHERE scorer_id = ?")) {
                    ps.setString(1, id);
                    return ps.executeUpdate();
                }
            }
            int deleted;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM scorer_versions WHERE scorer_id = ? AND scorer_version = ?")) {
                ps.setString(1, id);
                ps.setLong(2, version);
                deleted = ps.executeUpdate();
            }
            if (deleted == 0) {
                throw MlflowException.notFound("Scorer with name '" + name + "' and version " + version
                        + " not found for experiment " + exp + ".");
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM scorers s WHERE scorer_id = ? AND NOT EXISTS "
                    + "(SELECT 1 FROM scorer_versions v WHERE v.scorer_id = s.scorer_id)")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return deleted;
        });
        return JsonBody.EMPTY;
    }

    private static String scorerId(Connection c, long exp, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT scorer_id FROM scorers WHERE experiment_id = ? AND scorer_name = ?")) {
            ps.setLong(1, exp);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Versions of an experiment's scorers: one name or all, one version, or the latest of each. */
    private List<Version> query(long exp, String name, Long version, boolean latestOnly) {
        return db.read(c -> {
            StringBuilder sql = new StringBuilder("SELECT s.scorer_id, s.experiment_id, s.scorer_name, v.scorer_version, "
                    + "v.serialized_scorer, v.creation_time FROM scorers s JOIN scorer_versions v ON v.scorer_id = s.scorer_id "
                    + "WHERE s.experiment_id = ?");
            if (name != null) {
                sql.append(" AND s.scorer_name = ?");
            }
            if (version != null) {
                sql.append(" AND v.scorer_version = ?");
            }
            if (latestOnly) {
                sql.append(" AND v.scorer_version = (SELECT MAX(x.scorer_version) FROM scorer_versions x WHERE x.scorer_id = s.scorer_id)");
            }
            sql.append(" ORDER BY s.scorer_name, v.scorer_version DESC");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setLong(i++, exp);
                if (name != null) {
                    ps.setString(i++, name);
                }
                if (version != null) {
                    ps.setLong(i, version);
                }
                List<Version> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Version(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                                rs.getLong(6)));
                    }
                }
                return out;
            }
        });
    }

    private static JsonBody list(List<Version> versions) {
        return g -> {
            g.writeStartObject();
            if (!versions.isEmpty()) {
                g.writeArrayFieldStart("scorers");
                for (Version v : versions) {
                    v.write(g);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }
}

package dev.dmsmlflow.tracking.models;

import dev.dmsmlflow.tracking.validation.RandomNames;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.experiments.Experiment;
import dev.dmsmlflow.tracking.experiments.ExperimentStore;
import dev.dmsmlflow.tracking.http.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Logged models (MLflow 3) in PostgreSQL; search is in {@link LoggedModelSearch}. */
@ApplicationScoped
public class LoggedModelStore {
    static final String COLUMNS = "lm.model_id, lm.experiment_id, lm.name, lm.artifact_location, lm.creation_timestamp_ms, "
            + "lm.last_updated_timestamp_ms, lm.status, lm.lifecycle_stage, lm.model_type, lm.source_run_id, lm.status_message";

    @Inject
    Db db;
    @Inject
    ExperimentStore experiments;

    /** A key/value pair from a request (params, tags). */
    public record KeyValue(String key, String value) {
    }

    static MlflowException notFound(String modelId) {
        return MlflowException.notFound("Logged model with ID '" + modelId + "' not found.");
    }

    public static String newModelId() {
        return "m-" + UUID.randomUUID().toString().replace("-", "");
    }

    static String artifactUri(String experimentLocation, String modelId) {
        String base = experimentLocation == null ? "" : experimentLocation;
        while (base.endsWith("/") && !base.endsWith(":/") && base.length() > 1) {
            base = base.substring(0, base.length() - 1);
        }
        String sep = base.endsWith("/") ? "" : "/";
        return base + sep + "models/" + modelId + "/artifacts";
    }

    public LoggedModel create(String experimentId, String name, String modelType, String sourceRunId,
                              List<KeyValue> params, List<KeyValue> tags) {
        String modelId = newModelId();
        long now = System.currentTimeMillis();
        String modelName = name == null ? RandomNames.random() : name;
        return db.tx(c -> {
            Experiment e = experiments.requireActive(c, experimentId);
            String uri = artifactUri(e.artifactLocation(), modelId);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO logged_models (model_id, experiment_id, name, "
                    + "artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, "
                    + "source_run_id) VALUES (?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', 'active', ?, ?)")) {
                ps.setString(1, modelId);
                ps.setLong(2, e.id());
                ps.setString(3, modelName);
                ps.setString(4, uri);
                ps.setLong(5, now);
                ps.setLong(6, now);
                ps.setString(7, modelType);
                ps.setString(8, sourceRunId);
                ps.executeUpdate();
            }
            insertParams(c, modelId, params);
            upsertTags(c, modelId, tags);
            return load(c, modelId, false);
        });
    }

    private static void insertParams(Connection c, String modelId, List<KeyValue> params) throws SQLException {
        if (params.isEmpty()) {
            return;
        }
        Map<String, String> existing = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM logged_model_params WHERE model_id = ? AND key = ANY(?)")) {
            ps.setString(1, modelId);
            ps.setArray(2, c.createArrayOf("text", params.stream().map(KeyValue::key).toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    existing.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        Map<String, String> toInsert = new LinkedHashMap<>();
        for (KeyValue p : params) {
            String old = existing.containsKey(p.key()) ? existing.get(p.key()) : toInsert.get(p.key());
            if (old != null && !old.equals(p.value())) {
                throw MlflowException.invalidParameter("Changing param values is not allowed. Param with key='" + p.key()
                        + "' was already logged with value='" + old + "' for logged model ID='" + modelId
                        + "'. Attempted logging new value '" + p.value() + "'.");
            }
            if (!existing.containsKey(p.key())) {
                toInsert.put(p.key(), p.value());
            }
        }
        if (toInsert.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)")) {
            for (var e : toInsert.entrySet()) {
                ps.setString(1, modelId);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void upsertTags(Connection c, String modelId, List<KeyValue> tags) throws SQLException {
        if (tags.isEmpty()) {
            return;
        }
        Map<String, String> last = new LinkedHashMap<>();
        for (KeyValue t : tags) {
            last.put(t.key(), t.value());
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?) "
                + "ON CONFLICT (model_id, key) DO UPDATE SET value = EXCLUDED.value")) {
            for (var e : last.entrySet()) {
                ps.setString(1, modelId);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The model, or 404 when unknown or deleted. */
    public LoggedModel get(String modelId) {
        return db.read(c -> {
            LoggedModel m = load(c, modelId, false);
            if (m == null) {
                throw notFound(modelId);
            }
            return m;
        });
    }

    /** Loads a model with params, tags and metrics; deleted ones only when asked. Null when absent. */
    static LoggedModel load(Connection c, String modelId, boolean includeDeleted) throws SQLException {
        LoggedModel m;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM logged_models lm WHERE lm.model_id = ?"
                + (includeDeleted ? "" : " AND lm.lifecycle_stage = 'active'"))) {
            ps.setString(1, modelId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                m = row(rs);
            }
        }
        fill(c, List.of(m));
        return m;
    }

    static LoggedModel row(ResultSet rs) throws SQLException {
        return new LoggedModel(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getLong(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11));
    }

    /** Loads params, tags and metrics for the given models in three queries. */
    static void fill(Connection c, List<LoggedModel> models) throws SQLException {
        if (models.isEmpty()) {
            return;
        }
        Map<String, LoggedModel> byId = new HashMap<>();
        for (LoggedModel m : models) {
            byId.put(m.modelId, m);
        }
        java.sql.Array ids = c.createArrayOf("text", byId.keySet().toArray(String[]::new));
        try (PreparedStatement ps = c.prepareStatement("SELECT model_id, key, value FROM logged_model_params WHERE model_id = ANY(?) ORDER BY key")) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.get(rs.getString(1)).params.put(rs.getString(2), rs.getString(3));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT model_id, key, value FROM logged_model_tags WHERE model_id = ANY(?) ORDER BY key")) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.get(rs.getString(1)).tags.put(rs.getString(2), rs.getString(3));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT model_id, key, value, timestamp, step, run_uuid, dataset_name, "
                + "dataset_digest FROM metrics WHERE model_id = ANY(?) ORDER BY key, timestamp, step")) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LoggedModel m = byId.get(rs.getString(1));
                    if (m != null) {
                        m.metrics.add(new LoggedModel.ModelMetric(rs.getString(2), rs.getDouble(3), rs.getLong(4),
                                rs.getLong(5), rs.getString(6), rs.getString(7), rs.getString(8)));
                    }
                }
            }
        }
    }

    /** Locks and returns the model row (deleted included, as upstream), or 404. */
    private static LoggedModel requireExisting(Connection c, String modelId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM logged_models lm WHERE lm.model_id = ? FOR UPDATE")) {
            ps.setString(1, modelId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw notFound(modelId);
                }
                return row(rs);
            }
        }
    }

    private static void touch(Connection c, String modelId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE logged_models SET last_updated_timestamp_ms = ? WHERE model_id = ?")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.setString(2, modelId);
            ps.executeUpdate();
        }
    }

    public void delete(String modelId) {
        db.tx(c -> {
            requireExisting(c, modelId);
            try (PreparedStatement ps = c.prepareStatement("UPDATE logged_models SET lifecycle_stage = 'deleted', "
                    + "last_updated_timestamp_ms = ? WHERE model_id = ?")) {
                ps.setLong(1, System.currentTimeMillis());
                ps.setString(2, modelId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public LoggedModel finalizeModel(String modelId, String status) {
        return db.tx(c -> {
            LoggedModel m = requireExisting(c, modelId);
            if (!"active".equals(m.lifecycleStage)) {
                throw notFound(modelId);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? "
                    + "WHERE model_id = ?")) {
                ps.setString(1, status);
                ps.setLong(2, System.currentTimeMillis());
                ps.setString(3, modelId);
                ps.executeUpdate();
            }
            return load(c, modelId, false);
        });
    }

    public void setTags(String modelId, List<KeyValue> tags) {
        db.tx(c -> {
            requireExisting(c, modelId);
            upsertTags(c, modelId, tags);
            touch(c, modelId);
            return null;
        });
    }

    public void deleteTag(String modelId, String key) {
        db.tx(c -> {
            requireExisting(c, modelId);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?")) {
                ps.setString(1, modelId);
                ps.setString(2, key);
                if (ps.executeUpdate() == 0) {
                    throw MlflowException.notFound("No tag with key '" + key + "' found for model with ID '" + modelId + "'.");
                }
            }
            touch(c, modelId);
            return null;
        });
    }

    public void logParams(String modelId, List<KeyValue> params) {
        db.tx(c -> {
            requireExisting(c, modelId);
            insertParams(c, modelId, params);
            touch(c, modelId);
            return null;
        });
    }

    /** Runs a prepared search and loads the page's models with their params, tags and metrics. */
    List<LoggedModel> query(Sql sql) {
        return db.read(c -> {
            List<LoggedModel> out = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            fill(c, out);
            return out;
        });
    }
}

package dev.dmsmlflow.tracking.registry;

import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
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

/** The model registry in PostgreSQL: registered models, versions, tags and aliases. */
@ApplicationScoped
public class RegistryStore {
    static final String MV_COLUMNS = "mv.registered_model_id, rm.name, mv.version, mv.creation_time, mv.last_updated_time, "
            + "mv.description, mv.user_id, mv.current_stage, mv.source, mv.storage_location, mv.run_id, mv.run_link, "
            + "mv.status, mv.status_message, mv.model_id";
    static final String MV_FROM = " FROM model_versions mv JOIN registered_models rm ON rm.id = mv.registered_model_id";
    static final String RM_COLUMNS = "rm.id, rm.name, rm.creation_time, rm.last_updated_time, rm.description";

    @Inject
    Db db;

    /** A page of search results. */
    public record Page<T>(List<T> items, String nextPageToken) {
    }

    static MlflowException modelNotFound(String name) {
        return MlflowException.notFound("Registered Model with name=" + name + " not found");
    }

    static MlflowException versionNotFound(String name, Object version) {
        return MlflowException.notFound("Model Version (name=" + name + ", version=" + version + ") not found");
    }

    // ------------------------------------------------------------------ registered models

    public RegisteredModel create(String name, Map<String, String> tags, String description) {
        long now = System.currentTimeMillis();
        try {
            return db.tx(c -> {
                long id;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO registered_models (name, creation_time, "
                        + "last_updated_time, description) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id")) {
                    ps.setString(1, name);
                    ps.setLong(2, now);
                    ps.setLong(3, now);
                    ps.setString(4, description);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw alreadyExists(name);
                        }
                        id = rs.getLong(1);
                    }
                }
                for (var e : tags.entrySet()) {
                    upsertModelTag(c, id, e.getKey(), e.getValue());
                }
                return loadModel(c, name);
            });
        } catch (RuntimeException e) {
            if (Db.isUniqueViolation(e)) {
                throw alreadyExists(name);
            }
            throw e;
        }
    }

    private static MlflowException alreadyExists(String name) {
        return MlflowException.alreadyExists("Registered Model (name=" + name + ") already exists.");
    }

    public RegisteredModel get(String name) {
        return db.read(c -> {
            RegisteredModel m = loadModel(c, name);
            if (m == null) {
                throw modelNotFound(name);
            }
            return m;
        });
    }

    private static RegisteredModel loadModel(Connection c, String name) throws SQLException {
        RegisteredModel m;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + RM_COLUMNS + " FROM registered_models rm WHERE rm.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                m = modelRow(rs);
            }
        }
        fillModels(c, List.of(m));
        return m;
    }

    private static RegisteredModel modelRow(ResultSet rs) throws SQLException {
        return new RegisteredModel(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5));
    }

    /** Locks the model row; 404 when absent. Returns its id. */
    private static long lockModel(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM registered_models WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw modelNotFound(name);
                }
                return rs.getLong(1);
            }
        }
    }

    private static void touchModel(Connection c, long id, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE registered_models SET last_updated_time = ? WHERE id = ?")) {
            ps.setLong(1, now);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    /** Tags, aliases and latest versions per stage for the given models. */
    private static void fillModels(Connection c, List<RegisteredModel> models) throws SQLException {
        if (models.isEmpty()) {
            return;
        }
        Map<Long, RegisteredModel> byId = new HashMap<>();
        for (RegisteredModel m : models) {
            byId.put(m.id, m);
        }
        java.sql.Array ids = c.createArrayOf("bigint", byId.keySet().toArray(Long[]::new));
        try (PreparedStatement ps = c.prepareStatement("SELECT registered_model_id, key, value FROM registered_model_tags "
                + "WHERE registered_model_id = ANY(?) ORDER BY key")) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.get(rs.getLong(1)).tags.put(rs.getString(2), rs.getString(3));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT registered_model_id, alias, version FROM registered_model_aliases "
                + "WHERE registered_model_id = ANY(?) ORDER BY alias")) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.get(rs.getLong(1)).aliases.put(rs.getString(2), rs.getInt(3));
                }
            }
        }
        List<ModelVersion> latest = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM (SELECT DISTINCT ON (mv.registered_model_id, mv.current_stage) "
                + MV_COLUMNS + MV_FROM + " WHERE mv.registered_model_id = ANY(?) "
                + "ORDER BY mv.registered_model_id, mv.current_stage, mv.version DESC) x ORDER BY x.version")) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    latest.add(versionRow(rs));
                }
            }
        }
        fillVersions(c, latest);
        for (ModelVersion v : latest) {
            byId.get(v.registeredModelId).latestVersions.add(v);
        }
    }

    public RegisteredModel rename(String name, String newName) {
        try {
            return db.tx(c -> {
                long id = lockModel(c, name);
                if (!name.equals(newName)) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM registered_models WHERE name = ?")) {
                        ps.setString(1, newName);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                throw alreadyExists(newName);
                            }
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE registered_models SET name = ?, last_updated_time = ? WHERE id = ?")) {
                    ps.setString(1, newName);
                    ps.setLong(2, System.currentTimeMillis());
                    ps.setLong(3, id);
                    ps.executeUpdate();
                }
                return loadModel(c, newName);
            });
        } catch (RuntimeException e) {
            if (Db.isUniqueViolation(e)) {
                throw alreadyExists(newName);
            }
            throw e;
        }
    }

    public RegisteredModel updateDescription(String name, String description) {
        return db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("UPDATE registered_models SET description = ?, last_updated_time = ? WHERE id = ?")) {
                ps.setString(1, description);
                ps.setLong(2, System.currentTimeMillis());
                ps.setLong(3, id);
                ps.executeUpdate();
            }
            return loadModel(c, name);
        });
    }

    public void delete(String name) {
        db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM registered_models WHERE id = ?")) {
                ps.setLong(1, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void setModelTag(String name, String key, String value) {
        db.tx(c -> {
            long id = lockModel(c, name);
            upsertModelTag(c, id, key, value);
            return null;
        });
    }

    private static void upsertModelTag(Connection c, long id, String key, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO registered_model_tags (registered_model_id, key, value) "
                + "VALUES (?, ?, ?) ON CONFLICT (registered_model_id, key) DO UPDATE SET value = EXCLUDED.value")) {
            ps.setLong(1, id);
            ps.setString(2, key);
            ps.setString(3, value);
            ps.executeUpdate();
        }
    }

    public void deleteModelTag(String name, String key) {
        db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM registered_model_tags WHERE registered_model_id = ? AND key = ?")) {
                ps.setLong(1, id);
                ps.setString(2, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public List<ModelVersion> latestVersions(String name, List<String> stages) {
        return db.read(c -> {
            RegisteredModel m = loadModel(c, name);
            if (m == null) {
                throw modelNotFound(name);
            }
            List<String> wanted = stages.isEmpty() ? RegistryRules.ALL_STAGES : stages;
            List<ModelVersion> out = new ArrayList<>();
            for (String stage : wanted) {
                for (ModelVersion v : m.latestVersions) {
                    if (v.currentStage.equals(stage) && !out.contains(v)) {
                        out.add(v);
                    }
                }
            }
            return out;
        });
    }

    /** Runs a registered model search prepared by {@link RegistrySearch}. */
    List<RegisteredModel> queryModels(Sql sql) {
        return db.read(c -> {
            List<RegisteredModel> out = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(modelRow(rs));
                }
            }
            fillModels(c, out);
            return out;
        });
    }

    // ------------------------------------------------------------------ aliases

    public void setAlias(String name, String alias, String version) {
        db.tx(c -> {
            long id = lockModel(c, name);
            int v = RegistryRules.version(name, version);
            requireVersion(c, id, name, v);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO registered_model_aliases (registered_model_id, alias, version) "
                    + "VALUES (?, ?, ?) ON CONFLICT (registered_model_id, alias) DO UPDATE SET version = EXCLUDED.version")) {
                ps.setLong(1, id);
                ps.setString(2, alias);
                ps.setInt(3, v);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void deleteAlias(String name, String alias) {
        db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM registered_model_aliases WHERE registered_model_id = ? AND alias = ?")) {
                ps.setLong(1, id);
                ps.setString(2, alias);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public ModelVersion byAlias(String name, String alias) {
        return db.read(c -> {
            Integer version = null;
            long id;
            try (PreparedStatement ps = c.prepareStatement("SELECT rm.id, a.version FROM registered_models rm "
                    + "LEFT JOIN registered_model_aliases a ON a.registered_model_id = rm.id AND a.alias = ? WHERE rm.name = ?")) {
                ps.setString(1, alias);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw modelNotFound(name);
                    }
                    id = rs.getLong(1);
                    int v = rs.getInt(2);
                    if (!rs.wasNull()) {
                        version = v;
                    }
                }
            }
            if (version == null) {
                throw MlflowException.notFound("Registered model alias " + alias + " not found.");
            }
            ModelVersion mv = loadVersion(c, id, version);
            if (mv == null) {
                throw versionNotFound(name, version);
            }
            return mv;
        });
    }

    // ------------------------------------------------------------------ model versions

    /** What a new version is created from (source and storage already resolved and validated). */
    public record NewVersion(String name, String source, String storageLocation, String runId, Map<String, String> tags,
                             String runLink, String description, String modelId) {
    }

    public ModelVersion createVersion(NewVersion nv) {
        long now = System.currentTimeMillis();
        return db.tx(c -> {
            long id;
            int version;
            try (PreparedStatement ps = c.prepareStatement("UPDATE registered_models SET last_version = last_version + 1, "
                    + "last_updated_time = ? WHERE name = ? RETURNING id, last_version")) {
                ps.setLong(1, now);
                ps.setString(2, nv.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw modelNotFound(nv.name());
                    }
                    id = rs.getLong(1);
                    version = rs.getInt(2);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_versions (registered_model_id, version, creation_time, "
                    + "last_updated_time, description, current_stage, source, storage_location, run_id, run_link, status, model_id) "
                    + "VALUES (?, ?, ?, ?, ?, 'None', ?, ?, ?, ?, 'READY', ?)")) {
                ps.setLong(1, id);
                ps.setInt(2, version);
                ps.setLong(3, now);
                ps.setLong(4, now);
                ps.setString(5, nv.description());
                ps.setString(6, nv.source());
                ps.setString(7, nv.storageLocation());
                ps.setString(8, nv.runId());
                ps.setString(9, nv.runLink());
                ps.setString(10, nv.modelId());
                ps.executeUpdate();
            }
            for (var e : nv.tags().entrySet()) {
                upsertVersionTag(c, id, version, e.getKey(), e.getValue());
            }
            return loadVersion(c, id, version);
        });
    }

    private static void upsertVersionTag(Connection c, long id, int version, String key, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_version_tags (registered_model_id, version, key, value) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (registered_model_id, version, key) DO UPDATE SET value = EXCLUDED.value")) {
            ps.setLong(1, id);
            ps.setInt(2, version);
            ps.setString(3, key);
            ps.setString(4, value);
            ps.executeUpdate();
        }
    }

    private static ModelVersion versionRow(ResultSet rs) throws SQLException {
        return new ModelVersion(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getLong(5), rs.getString(6),
                rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                rs.getString(13), rs.getString(14), rs.getString(15));
    }

    private static ModelVersion loadVersion(Connection c, long id, int version) throws SQLException {
        ModelVersion v;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + MV_COLUMNS + MV_FROM
                + " WHERE mv.registered_model_id = ? AND mv.version = ?")) {
            ps.setLong(1, id);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                v = versionRow(rs);
            }
        }
        fillVersions(c, List.of(v));
        return v;
    }

    /** Tags and aliases of the given versions. */
    private static void fillVersions(Connection c, List<ModelVersion> versions) throws SQLException {
        if (versions.isEmpty()) {
            return;
        }
        Map<String, ModelVersion> byKey = new LinkedHashMap<>();
        Long[] ids = new Long[versions.size()];
        Integer[] nums = new Integer[versions.size()];
        for (int i = 0; i < versions.size(); i++) {
            ModelVersion v = versions.get(i);
            byKey.put(v.registeredModelId + "/" + v.version, v);
            ids[i] = v.registeredModelId;
            nums[i] = v.version;
        }
        String join = " t JOIN unnest(?::bigint[], ?::int[]) AS k(rid, ver) ON t.registered_model_id = k.rid AND t.version = k.ver";
        try (PreparedStatement ps = c.prepareStatement("SELECT t.registered_model_id, t.version, t.key, t.value FROM model_version_tags"
                + join + " ORDER BY t.key")) {
            ps.setArray(1, c.createArrayOf("bigint", ids));
            ps.setArray(2, c.createArrayOf("integer", nums));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byKey.get(rs.getLong(1) + "/" + rs.getInt(2)).tags.put(rs.getString(3), rs.getString(4));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT t.registered_model_id, t.version, t.alias FROM registered_model_aliases"
                + join + " ORDER BY t.alias")) {
            ps.setArray(1, c.createArrayOf("bigint", ids));
            ps.setArray(2, c.createArrayOf("integer", nums));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byKey.get(rs.getLong(1) + "/" + rs.getInt(2)).aliases.add(rs.getString(3));
                }
            }
        }
    }

    private static long modelId(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM registered_models WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw modelNotFound(name);
                }
                return rs.getLong(1);
            }
        }
    }

    private static void requireVersion(Connection c, long id, String name, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM model_versions WHERE registered_model_id = ? AND version = ?")) {
            ps.setLong(1, id);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw versionNotFound(name, version);
                }
            }
        }
    }

    public ModelVersion getVersion(String name, String version) {
        int v = RegistryRules.version(name, version);
        return db.read(c -> {
            long id = modelId(c, name);
            ModelVersion mv = loadVersion(c, id, v);
            if (mv == null) {
                throw versionNotFound(name, version);
            }
            return mv;
        });
    }

    /** Storage location (or source) of a version, as get-download-uri answers. */
    public String downloadUri(String name, String version) {
        ModelVersion mv = getVersion(name, version);
        return mv.storageLocation != null && !mv.storageLocation.isEmpty() ? mv.storageLocation : mv.source;
    }

    public ModelVersion updateVersionDescription(String name, String version, String description) {
        int v = RegistryRules.version(name, version);
        return db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("UPDATE model_versions SET description = ?, last_updated_time = ? "
                    + "WHERE registered_model_id = ? AND version = ?")) {
                ps.setString(1, description);
                ps.setLong(2, System.currentTimeMillis());
                ps.setLong(3, id);
                ps.setInt(4, v);
                if (ps.executeUpdate() == 0) {
                    throw versionNotFound(name, version);
                }
            }
            return loadVersion(c, id, v);
        });
    }

    public ModelVersion transition(String name, String version, String stage, boolean archiveExisting) {
        int v = RegistryRules.version(name, version);
        long now = System.currentTimeMillis();
        return db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("UPDATE model_versions SET current_stage = ?, last_updated_time = ? "
                    + "WHERE registered_model_id = ? AND version = ?")) {
                ps.setString(1, stage);
                ps.setLong(2, now);
                ps.setLong(3, id);
                ps.setInt(4, v);
                if (ps.executeUpdate() == 0) {
                    throw versionNotFound(name, version);
                }
            }
            if (archiveExisting) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE model_versions SET current_stage = 'Archived', "
                        + "last_updated_time = ? WHERE registered_model_id = ? AND current_stage = ? AND version <> ?")) {
                    ps.setLong(1, now);
                    ps.setLong(2, id);
                    ps.setString(3, stage);
                    ps.setInt(4, v);
                    ps.executeUpdate();
                }
            }
            touchModel(c, id, now);
            return loadVersion(c, id, v);
        });
    }

    public void deleteVersion(String name, String version) {
        int v = RegistryRules.version(name, version);
        db.tx(c -> {
            long id = lockModel(c, name);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM model_versions WHERE registered_model_id = ? AND version = ?")) {
                ps.setLong(1, id);
                ps.setInt(2, v);
                if (ps.executeUpdate() == 0) {
                    throw versionNotFound(name, version);
                }
            }
            touchModel(c, id, System.currentTimeMillis());
            return null;
        });
    }

    public void setVersionTag(String name, String version, String key, String value) {
        int v = RegistryRules.version(name, version);
        db.tx(c -> {
            long id = lockModel(c, name);
            requireVersion(c, id, name, v);
            upsertVersionTag(c, id, v, key, value);
            return null;
        });
    }

    public void deleteVersionTag(String name, String version, String key) {
        int v = RegistryRules.version(name, version);
        db.tx(c -> {
            long id = lockModel(c, name);
            requireVersion(c, id, name, v);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM model_version_tags WHERE registered_model_id = ? "
                    + "AND version = ? AND key = ?")) {
                ps.setLong(1, id);
                ps.setInt(2, v);
                ps.setString(3, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Runs a model version search prepared by {@link RegistrySearch}. */
    List<ModelVersion> queryVersions(Sql sql) {
        return db.read(c -> {
            List<ModelVersion> out = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(versionRow(rs));
                }
            }
            fillVersions(c, out);
            return out;
        });
    }

    // ------------------------------------------------------------------ lookups used to resolve sources

    /** The artifact URI of a run, or null when the run does not exist. */
    public String runArtifactUri(String runId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT artifact_uri FROM runs WHERE run_uuid = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /** {artifact_location, source_run_id} of an active logged model, or null. */
    public String[] loggedModel(String modelId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT artifact_location, source_run_id FROM logged_models "
                    + "WHERE model_id = ? AND lifecycle_stage = 'active'")) {
                ps.setString(1, modelId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new String[]{rs.getString(1), rs.getString(2)} : null;
                }
            }
        });
    }
}

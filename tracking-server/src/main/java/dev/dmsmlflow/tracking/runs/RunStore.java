package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.validation.RandomNames;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.experiments.Experiment;
import dev.dmsmlflow.tracking.experiments.ExperimentStore;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.runs.Run.Metric;
import dev.dmsmlflow.tracking.search.PageToken;
import dev.dmsmlflow.tracking.validation.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/** Runs and their params, tags, metrics, inputs and outputs in PostgreSQL (plain JDBC, batched writes). */
@ApplicationScoped
public class RunStore {
    public static final String RUN_NAME_TAG = "mlflow.runName";
    /** Where MLflow 2 clients' {@code runs/log-model} records the run's models (upstream's name). */
    public static final String LOGGED_MODELS_TAG = "mlflow.log-model.history";
    static final String INFO_COLUMNS = "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, "
            + "r.end_time, r.lifecycle_stage, r.artifact_uri";

    @Inject
    Db db;
    @Inject
    ExperimentStore experiments;

    /** A param to log. */
    public record Param(String key, String value) {
    }

    /** A dataset input to log. */
    public record DatasetToLog(Run.DatasetInput input) {
    }

    public static String newRunId() {
        UUID u = UUID.randomUUID();
        return String.format("%016x%016x", u.getMostSignificantBits(), u.getLeastSignificantBits());
    }

    // ---------------------------------------------------------------- create / read

    public Run create(String experimentId, String userId, Long startTime, String runName, Map<String, String> tags) {
        String tagName = tags.get(RUN_NAME_TAG);
        if (runName != null && !runName.isEmpty() && tagName != null && !tagName.equals(runName)) {
            throw MlflowException.invalidParameter("Both 'run_name' argument and 'mlflow.runName' tag are specified, "
                    + "but with different values (run_name='" + runName + "', mlflow.runName='" + tagName + "').");
        }
        String name = runName != null && !runName.isEmpty() ? runName : tagName != null && !tagName.isEmpty() ? tagName : RandomNames.random();
        Map<String, String> allTags = new LinkedHashMap<>(tags);
        allTags.put(RUN_NAME_TAG, name);
        String runId = newRunId();
        long start = startTime == null ? System.currentTimeMillis() : startTime;
        return db.tx(c -> {
            Experiment e = experiments.requireActive(c, experimentId == null ? "0" : experimentId);
            String loc = e.artifactLocation() == null ? ExperimentStore.DEFAULT_ARTIFACT_SCHEME + e.id() : e.artifactLocation();
            String artifactUri = (loc.endsWith("/") ? loc.substring(0, loc.length() - 1) : loc) + "/" + runId + "/artifacts";
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, "
                    + "start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, 'active', ?)")) {
                ps.setString(1, runId);
                ps.setLong(2, e.id());
                ps.setString(3, name);
                ps.setString(4, userId);
                ps.setLong(5, start);
                ps.setString(6, artifactUri);
                ps.executeUpdate();
            }
            upsertTags(c, runId, e.id(), allTags);
            Run run = new Run(new Run.Info(runId, e.id(), name, userId, "RUNNING", start, null, "active", artifactUri));
            run.tags.putAll(allTags);
            return run;
        });
    }

    public Run get(String runId) {
        return db.read(c -> {
            Run.Info info = info(c, runId);
            if (info == null) {
                throw runNotFound(runId);
            }
            Run run = new Run(info);
            fill(c, Map.of(runId, run));
            return run;
        });
    }

    static MlflowException runNotFound(String runId) {
        return MlflowException.notFound("Run with id=" + runId + " not found");
    }

    /** The run's info, with a KEY SHARE lock on its row until the transaction ends (null if unknown). */
    static Run.Info lockShared(Connection c, String runId) throws SQLException {
        return lock(c, runId, "FOR KEY SHARE");
    }

    /**
     * The run's info, with a NO KEY UPDATE lock on its row until the transaction ends (null if unknown). Every
     * API write of a run's params or tags takes it first: they then also change the run's run_docs row (V50),
     * and one lock order (run, then param/tag rows, then doc) keeps concurrent writers of a run from deadlocking.
     * It does not block metric writers (KEY SHARE).
     */
    static Run.Info lockForDataWrite(Connection c, String runId) throws SQLException {
        return lock(c, runId, "FOR NO KEY UPDATE");
    }

    private static Run.Info lock(Connection c, String runId, String mode) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + INFO_COLUMNS + " FROM runs r WHERE r.run_uuid = ? " + mode)) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? infoRow(rs) : null;
            }
        }
    }

    static Run.Info info(Connection c, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + INFO_COLUMNS + " FROM runs r WHERE r.run_uuid = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? infoRow(rs) : null;
            }
        }
    }

    static Run.Info infoRow(ResultSet rs) throws SQLException {
        long start = rs.getLong(6);
        Long startTime = rs.wasNull() ? null : start;
        long end = rs.getLong(7);
        Long endTime = rs.wasNull() ? null : end;
        return new Run.Info(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                startTime, endTime, rs.getString(8), rs.getString(9));
    }

    /**
     * Everything {@link #fill} loads, as the branches of one {@code UNION ALL} statement (one round trip) over the runs
     * whose ids {@code ids} gives (a bound array, or a subquery's array): one row per latest metric, one row per run with
     * its params and tags (run_docs, maintained from the params and tags tables by triggers, V50), and one row per
     * dataset input, dataset input tag, model input and model output (those four from the function run_fill_io, V54, whose
     * plans are not made per statement). A run's params and tags come as the JSON arrays the
     * API answers with (run_docs' generated params_json and tags_json, V53), written into the response as they are. Unsorted: sorting ~1,000 rows of a page by a text
     * key in the database cost more than the rest of the statement; {@link Filler} sorts. {@code keys}: the same runs'
     * run_key array (V55), by which latest_metrics is keyed (its covering primary key also carries run_uuid, so the
     * metric rows are read index-only and come with their run's id). Columns: kind, run_uuid,
     * seven texts (a-g), a double (v), three longs (n1-n3) and a row number (rn, used by the search's page rows).
     */
    static String fillBranches(String ids, String keys) {
        return "SELECT " + KIND_METRIC + " AS kind, run_uuid, key::text AS a, model_id::text AS b, dataset_name::text AS c, "
                + "dataset_digest::text AS d, NULL::text AS e, NULL::text AS f, NULL::text AS g, value AS v, timestamp AS n1, "
                + "step AS n2, NULL::bigint AS n3, NULL::bigint AS rn FROM latest_metrics WHERE run_key = ANY(" + keys + ") "
                + "UNION ALL SELECT " + KIND_DOC + ", run_uuid, params_json, tags_json, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                + "NULL, NULL, NULL FROM run_docs WHERE run_uuid = ANY(" + ids + ") "
                // kinds KIND_DATASET, KIND_DATASET_TAG, KIND_MODEL_INPUT, KIND_MODEL_OUTPUT (V54: generic plans)
                + "UNION ALL SELECT * FROM run_fill_io((" + ids + ")::text[])";
    }

    /** Bound parameters of {@link #fillBranches} given {@code "?"}: the run ids, once per place. */
    private static final int FILL_ID_PARAMS = 3;

    /**
     * Row kinds of {@link #fillBranches} ({@code KIND_RUN}: a search's page row, see {@link RunSearch}); 3 to 6 are also
     * written in the function run_fill_io (V54).
     */
    static final int KIND_METRIC = 0;
    static final int KIND_DOC = 1;
    static final int KIND_DATASET = 3;
    static final int KIND_DATASET_TAG = 4;
    static final int KIND_MODEL_INPUT = 5;
    static final int KIND_MODEL_OUTPUT = 6;
    static final int KIND_RUN = 7;

    private static final String FILL = fillBranches("?", "ARRAY(SELECT k.run_key FROM runs k WHERE k.run_uuid = ANY(?))");

    /** Compares by key in code point order (as run_docs' params and tags are listed, see {@link RunDocs}). */
    private static final java.util.Comparator<Metric> BY_KEY = (a, b) -> RunDocs.compareCodePoints(a.key(), b.key());

    /** Loads latest metrics, params, tags, inputs and outputs for the given runs (keyed by run id). */
    static void fill(Connection c, Map<String, Run> runs) throws SQLException {
        if (runs.isEmpty()) {
            return;
        }
        java.sql.Array ids = c.createArrayOf("text", runs.keySet().toArray(new String[0]));
        Filler filler = new Filler(runs);
        try (PreparedStatement ps = c.prepareStatement(FILL)) {
            for (int i = 1; i <= FILL_ID_PARAMS; i++) {
                ps.setArray(i, ids);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    filler.row(rs);
                }
            }
        }
        filler.finish();
    }

    /**
     * Puts the rows of {@link #fillBranches} into their runs, then {@link #finish} orders each run's metrics by key and
     * its inputs and outputs by position. Rows for a run not (yet) in the map wait until {@link #finish}.
     */
    static final class Filler {
        private final Map<String, Run> runs;
        // inputs and outputs are rare: collected with their position (and dataset tags with their key), sorted at the end
        private final List<Positioned> datasetRows = new ArrayList<>();
        private final List<DatasetTag> datasetTagRows = new ArrayList<>();
        private final List<Positioned> modelInputRows = new ArrayList<>();
        private final List<Positioned> modelOutputRows = new ArrayList<>();
        private List<Object[]> waiting;

        Filler(Map<String, Run> runs) {
            this.runs = runs;
        }

        /** Takes one row of the fill branches (kinds other than {@link #KIND_RUN}). */
        void row(ResultSet rs) throws SQLException {
            int kind = rs.getInt(1);
            String runId = rs.getString(2);
            Run run = runs.get(runId);
            if (run == null) {
                if (waiting == null) {
                    waiting = new ArrayList<>();
                }
                waiting.add(new Object[] {kind, runId, rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getString(7), rs.getString(8), rs.getString(9), rs.getDouble(10), rs.getLong(11), rs.getLong(12)});
                return;
            }
            add(run, kind, runId, rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                    rs.getString(8), rs.getString(9), kind == KIND_METRIC ? rs.getDouble(10) : 0, rs.getLong(11), rs.getLong(12));
        }

        private void add(Run run, int kind, String runId, String a, String b, String cc, String d, String e, String f,
                         String g, double v, long n1, long n2) {
            switch (kind) {
                case KIND_METRIC -> run.metrics.add(new Metric(a, v, n1, n2, b, cc, d));
                case KIND_DOC -> {
                    run.paramsJson = a;
                    run.tagsJson = b;
                }
                case KIND_DATASET -> datasetRows.add(new Positioned(n1, run, a, new Run.DatasetInput(
                        new LinkedHashMap<>(), b, cc, d, e, f, g)));
                case KIND_DATASET_TAG -> datasetTagRows.add(new DatasetTag(runId, a, b, cc));
                case KIND_MODEL_INPUT -> modelInputRows.add(new Positioned(n1, run, null, a));
                case KIND_MODEL_OUTPUT -> modelOutputRows.add(new Positioned(n1, run, null, new Run.ModelOutput(a, n2)));
                default -> throw new IllegalStateException("unknown row kind " + kind);
            }
        }

        void finish() {
            if (waiting != null) {
                for (Object[] w : waiting) {
                    Run run = runs.get((String) w[1]);
                    if (run != null) {
                        add(run, (Integer) w[0], (String) w[1], (String) w[2], (String) w[3], (String) w[4], (String) w[5],
                                (String) w[6], (String) w[7], (String) w[8], (Double) w[9], (Long) w[10], (Long) w[11]);
                    }
                }
            }
            for (Run run : runs.values()) {
                if (run.metrics.size() > 1) {
                    run.metrics.sort(BY_KEY);
                }
            }
            java.util.Comparator<Positioned> byPosition = java.util.Comparator.comparingLong(Positioned::position);
            Map<String, Map<String, Run.DatasetInput>> inputs = new HashMap<>();
            datasetRows.sort(byPosition);
            for (Positioned r : datasetRows) {
                Run.DatasetInput d = (Run.DatasetInput) r.item();
                r.run().datasetInputs.add(d);
                inputs.computeIfAbsent(r.run().info.runId(), k -> new HashMap<>()).put(r.datasetUuid(), d);
            }
            datasetTagRows.sort((a, b) -> RunDocs.compareCodePoints(a.key(), b.key()));
            for (DatasetTag t : datasetTagRows) {
                Run.DatasetInput d = inputs.getOrDefault(t.runId(), Map.of()).get(t.datasetUuid());
                if (d != null) {
                    d.tags().put(t.key(), t.value());
                }
            }
            modelInputRows.sort(byPosition);
            for (Positioned r : modelInputRows) {
                r.run().modelInputs.add((String) r.item());
            }
            modelOutputRows.sort(byPosition);
            for (Positioned r : modelOutputRows) {
                r.run().modelOutputs.add((Run.ModelOutput) r.item());
            }
        }
    }

    /** A dataset input, model input or model output of a page's run, with its position among the run's. */
    private record Positioned(long position, Run run, String datasetUuid, Object item) {
    }

    /** A tag of a page run's dataset input. */
    private record DatasetTag(String runId, String datasetUuid, String key, String value) {
    }

    // ---------------------------------------------------------------- lifecycle

    /** Locks nothing; returns the run's info, or 404. */
    private static Run.Info require(Connection c, String runId) throws SQLException {
        Run.Info info = info(c, runId);
        if (info == null) {
            throw runNotFound(runId);
        }
        return info;
    }

    /** The run must exist and be active (writes to deleted runs are rejected). */
    static Run.Info requireActive(Connection c, String runId) throws SQLException {
        return active(runId, require(c, runId));
    }

    /** {@link #requireActive} with the lock of {@link #lockForDataWrite}. */
    static Run.Info requireActiveForDataWrite(Connection c, String runId) throws SQLException {
        Run.Info info = lockForDataWrite(c, runId);
        if (info == null) {
            throw runNotFound(runId);
        }
        return active(runId, info);
    }

    private static Run.Info active(String runId, Run.Info info) {
        if (!info.isActive()) {
            throw MlflowException.invalidParameter("The run " + runId + " must be in the 'active' state. "
                    + "Current state is " + info.lifecycleStage() + ".");
        }
        return info;
    }

    public Run.Info update(String runId, String status, Long endTime, String runName) {
        return db.tx(c -> {
            Run.Info info = requireActive(c, runId);
            String newStatus = status != null ? status : info.status();
            Long newEnd = endTime != null ? endTime : info.endTime();
            String newName = runName != null && !runName.isEmpty() ? runName : info.name();
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_uuid = ?")) {
                ps.setString(1, newStatus);
                if (newEnd == null) {
                    ps.setNull(2, Types.BIGINT);
                } else {
                    ps.setLong(2, newEnd);
                }
                ps.setString(3, newName);
                ps.setString(4, runId);
                ps.executeUpdate();
            }
            if (runName != null && !runName.isEmpty()) {
                upsertTags(c, runId, info.experimentId(), Map.of(RUN_NAME_TAG, runName));
            }
            return new Run.Info(runId, info.experimentId(), newName, info.userId(), newStatus, info.startTime(), newEnd,
                    info.lifecycleStage(), info.artifactUri());
        });
    }

    public void setLifecycle(String runId, boolean delete) {
        db.tx(c -> {
            require(c, runId);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?")) {
                ps.setString(1, delete ? "deleted" : "active");
                if (delete) {
                    ps.setLong(2, System.currentTimeMillis());
                } else {
                    ps.setNull(2, Types.BIGINT);
                }
                ps.setString(3, runId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- tags and params

    public void setTag(String runId, String key, String value) {
        db.tx(c -> {
            Run.Info info = requireActiveForDataWrite(c, runId);
            upsertTags(c, runId, info.experimentId(), Map.of(key, value));
            if (RUN_NAME_TAG.equals(key)) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET name = ? WHERE run_uuid = ?")) {
                    ps.setString(1, value);
                    ps.setString(2, runId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    public void deleteTag(String runId, String key) {
        db.tx(c -> {
            requireActiveForDataWrite(c, runId);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tags WHERE run_uuid = ? AND key = ?")) {
                ps.setString(1, runId);
                ps.setString(2, key);
                if (ps.executeUpdate() == 0) {
                    throw MlflowException.notFound("No tag with name: " + key + " in run with id " + runId);
                }
            }
            return null;
        });
    }

    /**
     * Appends one logged model's summary to the run's {@value #LOGGED_MODELS_TAG} tag, a JSON list (created with the
     * first entry). The run row stays locked from the read to the write, so concurrent calls for one run each append.
     */
    public void recordLoggedModel(String runId, ObjectNode entry) {
        db.tx(c -> {
            Run.Info info = requireActiveForDataWrite(c, runId);
            ArrayNode history = Json.MAPPER.createArrayNode();
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM tags WHERE run_uuid = ? AND key = ?")) {
                ps.setString(1, runId);
                ps.setString(2, LOGGED_MODELS_TAG);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        JsonNode old = parseOrNull(rs.getString(1));
                        if (old == null || !old.isArray()) {
                            throw MlflowException.invalidParameter("The tag '" + LOGGED_MODELS_TAG + "' of run " + runId
                                    + " is not a JSON list, so no model can be added to it");
                        }
                        history.addAll((ArrayNode) old);
                    }
                }
            }
            history.add(entry);
            String value = history.toString();
            if (value.codePointCount(0, value.length()) > Validation.MAX_TAG_VAL_LENGTH) {
                throw MlflowException.invalidParameter("The tag '" + LOGGED_MODELS_TAG + "' of run " + runId + " would exceed "
                        + Validation.MAX_TAG_VAL_LENGTH + " characters with this model");
            }
            upsertTags(c, runId, info.experimentId(), Map.of(LOGGED_MODELS_TAG, value));
            return null;
        });
    }

    private static JsonNode parseOrNull(String text) {
        try {
            return text == null ? null : Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static void upsertTags(Connection c, String runId, long experimentId, Map<String, String> tags) throws SQLException {
        if (tags.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tags (run_uuid, key, value, experiment_id) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (run_uuid, key) DO UPDATE SET value = EXCLUDED.value")) {
            for (var e : tags.entrySet()) {
                ps.setString(1, runId);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.setLong(4, experimentId);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Inserts params; an existing key with a different value is rejected (same value is a no-op). */
    private static void insertParams(Connection c, String runId, long experimentId, Collection<Param> params) throws SQLException {
        if (params.isEmpty()) {
            return;
        }
        Map<String, String> existing = new HashMap<>();
        String[] keys = params.stream().map(Param::key).toArray(String[]::new);
        try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM params WHERE run_uuid = ? AND key = ANY(?)")) {
            ps.setString(1, runId);
            ps.setArray(2, c.createArrayOf("text", keys));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    existing.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        List<Param> fresh = new ArrayList<>();
        for (Param p : params) {
            String old = existing.get(p.key());
            if (old == null) {
                fresh.add(p);
            } else if (!old.equals(p.value())) {
                throw paramChanged(runId, p, old);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO params (run_uuid, key, value, experiment_id) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (run_uuid, key) DO NOTHING")) {
            for (Param p : fresh) {
                ps.setString(1, runId);
                ps.setString(2, p.key());
                ps.setString(3, p.value());
                ps.setLong(4, experimentId);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        // A concurrent writer may have logged the same key in between: verify the stored values.
        try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM params WHERE run_uuid = ? AND key = ANY(?)")) {
            ps.setString(1, runId);
            ps.setArray(2, c.createArrayOf("text", fresh.stream().map(Param::key).toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                Map<String, String> stored = new HashMap<>();
                while (rs.next()) {
                    stored.put(rs.getString(1), rs.getString(2));
                }
                for (Param p : fresh) {
                    String s = stored.get(p.key());
                    if (s != null && !s.equals(p.value())) {
                        throw paramChanged(runId, p, s);
                    }
                }
            }
        }
    }

    private static MlflowException paramChanged(String runId, Param p, String old) {
        return MlflowException.invalidParameter("Changing param values is not allowed. Param with key='" + p.key()
                + "' was already logged with value='" + old + "' for run ID='" + runId + "'. Attempted logging new value '"
                + p.value() + "'.");
    }

    public void logParam(String runId, String key, String value) {
        db.tx(c -> {
            Run.Info info = requireActiveForDataWrite(c, runId);
            insertParams(c, runId, info.experimentId(), List.of(new Param(key, value)));
            return null;
        });
    }

    // ---------------------------------------------------------------- metrics

    /**
     * The hot path of single-metric logging: one statement (one round trip, its own transaction) checks
     * the run, inserts the history row and advances latest_metrics.
     */
    private static final String LOG_ONE_METRIC = "WITH r AS (SELECT experiment_id, run_key, lifecycle_stage FROM runs WHERE run_uuid = ? FOR KEY SHARE), "
            + "h AS (INSERT INTO metrics (run_uuid, key, step, timestamp, value, model_id, dataset_name, dataset_digest) "
            + "SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM r WHERE r.lifecycle_stage = 'active' "
            + "ON CONFLICT (run_uuid, key, timestamp, step, value) DO UPDATE SET "
            + "model_id = COALESCE(metrics.model_id, EXCLUDED.model_id), "
            + "dataset_name = COALESCE(metrics.dataset_name, EXCLUDED.dataset_name), "
            + "dataset_digest = COALESCE(metrics.dataset_digest, EXCLUDED.dataset_digest) "
            + "WHERE metrics.model_id IS NULL AND EXCLUDED.model_id IS NOT NULL "
            + "OR metrics.dataset_name IS NULL AND EXCLUDED.dataset_name IS NOT NULL RETURNING 1), "
            + "l AS (INSERT INTO latest_metrics AS l (run_uuid, key, experiment_id, run_key, step, timestamp, value, model_id, "
            + "dataset_name, dataset_digest) SELECT ?, ?, r.experiment_id, r.run_key, ?, ?, ?, ?, ?, ? FROM r "
            + "WHERE r.lifecycle_stage = 'active' ON CONFLICT (run_key, key) DO UPDATE SET step = EXCLUDED.step, timestamp = EXCLUDED.timestamp, "
            + "value = EXCLUDED.value, model_id = EXCLUDED.model_id, dataset_name = EXCLUDED.dataset_name, "
            + "dataset_digest = EXCLUDED.dataset_digest "
            + "WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value) > (l.step, l.timestamp, l.value) RETURNING 1) "
            + "SELECT lifecycle_stage FROM r";

    public void logMetric(String runId, Metric m) {
        String stage = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(LOG_ONE_METRIC)) {
                int i = 1;
                ps.setString(i++, runId);
                for (int copy = 0; copy < 2; copy++) {
                    ps.setString(i++, runId);
                    ps.setString(i++, m.key());
                    ps.setLong(i++, m.step());
                    ps.setLong(i++, m.timestamp());
                    ps.setDouble(i++, m.value());
                    ps.setString(i++, m.modelId());
                    ps.setString(i++, m.datasetName());
                    ps.setString(i++, m.datasetDigest());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (stage == null) {
            throw runNotFound(runId);
        }
        if (!"active".equals(stage)) {
            throw MlflowException.invalidParameter("The run " + runId + " must be in the 'active' state. "
                    + "Current state is " + stage + ".");
        }
    }

    public void logBatch(String runId, List<Metric> metrics, List<Param> params, Map<String, String> tags) {
        db.tx(c -> {
            // KEY SHARE: the run cannot be removed before we commit (metrics has no per-row foreign key, V6);
            // params or tags: the stronger lock of every params/tags writer (see lockForDataWrite)
            Run.Info info = params.isEmpty() && tags.isEmpty() ? lockShared(c, runId) : lockForDataWrite(c, runId);
            if (info == null) {
                throw runNotFound(runId);
            }
            if (!info.isActive()) {
                throw MlflowException.invalidParameter("The run " + runId + " must be in the 'active' state. "
                        + "Current state is " + info.lifecycleStage() + ".");
            }
            insertParams(c, runId, info.experimentId(), params);
            insertMetrics(c, runId, metrics);
            upsertTags(c, runId, info.experimentId(), tags);
            if (tags.containsKey(RUN_NAME_TAG)) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET name = ? WHERE run_uuid = ?")) {
                    ps.setString(1, tags.get(RUN_NAME_TAG));
                    ps.setString(2, runId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Orders metric values as upstream picks the latest: by step, then timestamp, then value. */
    static int compareLatest(Metric a, Metric b) {
        int c = Long.compare(a.step(), b.step());
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.timestamp(), b.timestamp());
        if (c != 0) {
            return c;
        }
        return Double.compare(a.value(), b.value());
    }

    static void insertMetrics(Connection c, String runId, List<Metric> metrics) throws SQLException {
        if (metrics.isEmpty()) {
            return;
        }
        // One row per primary key (an identical duplicate is accepted and stored once).
        record Pk(String key, long ts, long step, long valueBits) {
        }
        Map<Pk, Metric> unique = new LinkedHashMap<>();
        Map<String, Metric> latest = new HashMap<>();
        for (Metric m : metrics) {
            double v = m.value();
            unique.merge(new Pk(m.key(), m.timestamp(), m.step(), Double.isNaN(v) ? Double.doubleToLongBits(Double.NaN)
                    : Double.doubleToLongBits(v == 0.0 ? 0.0 : v)), m, (a, b) -> a.modelId() != null ? a : b);
            latest.merge(m.key(), m, (a, b) -> compareLatest(a, b) >= 0 ? a : b);
        }
        // Arrays + unnest: one statement per table whatever the batch size.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO metrics (run_uuid, key, step, timestamp, value, model_id, "
                + "dataset_name, dataset_digest) SELECT ?, u.k, u.s, u.t, u.v, u.mi, u.dn, u.dd FROM unnest(?::text[], ?::bigint[], "
                + "?::bigint[], ?::float8[], ?::text[], ?::text[], ?::text[]) AS u(k, s, t, v, mi, dn, dd) "
                + "ON CONFLICT (run_uuid, key, timestamp, step, value) "
                + "DO UPDATE SET model_id = COALESCE(metrics.model_id, EXCLUDED.model_id), "
                + "dataset_name = COALESCE(metrics.dataset_name, EXCLUDED.dataset_name), "
                + "dataset_digest = COALESCE(metrics.dataset_digest, EXCLUDED.dataset_digest) "
                + "WHERE metrics.model_id IS NULL AND EXCLUDED.model_id IS NOT NULL "
                + "OR metrics.dataset_name IS NULL AND EXCLUDED.dataset_name IS NOT NULL")) {
            ps.setString(1, runId);
            bindMetricArrays(c, ps, 2, new ArrayList<>(unique.values()));
            ps.executeUpdate();
        }
        List<Metric> lat = new ArrayList<>(latest.values());
        lat.sort((a, b) -> a.key().compareTo(b.key())); // stable lock order across concurrent writers
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO latest_metrics AS l (run_uuid, key, experiment_id, run_key, "
                + "step, timestamp, value, model_id, dataset_name, dataset_digest) "
                + "SELECT r.run_uuid, u.k, r.experiment_id, r.run_key, u.s, u.t, u.v, u.mi, u.dn, u.dd "
                + "FROM runs r, unnest(?::text[], ?::bigint[], ?::bigint[], ?::float8[], ?::text[], ?::text[], ?::text[]) "
                + "WITH ORDINALITY AS u(k, s, t, v, mi, dn, dd, n) WHERE r.run_uuid = ? ORDER BY u.n "
                + "ON CONFLICT (run_key, key) DO UPDATE SET step = EXCLUDED.step, timestamp = EXCLUDED.timestamp, "
                + "value = EXCLUDED.value, model_id = EXCLUDED.model_id, dataset_name = EXCLUDED.dataset_name, "
                + "dataset_digest = EXCLUDED.dataset_digest "
                + "WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value) > (l.step, l.timestamp, l.value)")) {
            bindMetricArrays(c, ps, 1, lat);
            ps.setString(8, runId);
            ps.executeUpdate();
        }
    }

    private static void bindMetricArrays(Connection c, PreparedStatement ps, int first, List<Metric> ms) throws SQLException {
        int n = ms.size();
        String[] keys = new String[n];
        long[] steps = new long[n];
        long[] timestamps = new long[n];
        double[] values = new double[n];
        String[] models = new String[n];
        String[] datasetNames = new String[n];
        String[] datasetDigests = new String[n];
        boolean anyModel = false;
        boolean anyDataset = false;
        for (int i = 0; i < n; i++) {
            Metric m = ms.get(i);
            keys[i] = m.key();
            steps[i] = m.step();
            timestamps[i] = m.timestamp();
            values[i] = m.value();
            models[i] = m.modelId();
            datasetNames[i] = m.datasetName();
            datasetDigests[i] = m.datasetDigest();
            anyModel |= m.modelId() != null;
            anyDataset |= m.datasetName() != null || m.datasetDigest() != null;
        }
        ps.setArray(first, c.createArrayOf("text", keys));
        // primitive arrays travel in PostgreSQL's binary array format (no text formatting and parsing)
        ps.setObject(first + 1, steps);
        ps.setObject(first + 2, timestamps);
        ps.setObject(first + 3, values);
        // unnest pads a NULL array with NULLs: most batches carry no model or dataset at all
        if (anyModel) {
            ps.setArray(first + 4, c.createArrayOf("text", models));
        } else {
            ps.setNull(first + 4, Types.ARRAY);
        }
        if (anyDataset) {
            ps.setArray(first + 5, c.createArrayOf("text", datasetNames));
            ps.setArray(first + 6, c.createArrayOf("text", datasetDigests));
        } else {
            ps.setNull(first + 5, Types.ARRAY);
            ps.setNull(first + 6, Types.ARRAY);
        }
    }

    /** A page of metric history. */
    public record HistoryPage(List<Metric> metrics, String nextPageToken) {
    }

    /**
     * History of one metric in (timestamp, step, value) order; {@code maxResults} null = everything. An
     * unknown run has an empty history, as upstream answers (200 with no metrics, not 404).
     */
    public HistoryPage history(String runId, String key, Integer maxResults, String pageToken) {
        long offset = PageToken.decodeOffset(pageToken);
        return db.read(c -> {
            String sql = "SELECT key, value, timestamp, step, model_id, dataset_name, dataset_digest FROM metrics "
                    + "WHERE run_uuid = ? AND key = ? ORDER BY timestamp, step, value"
                    + (maxResults != null ? " LIMIT ? OFFSET ?" : "");
            List<Metric> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, runId);
                ps.setString(2, key);
                if (maxResults != null) {
                    ps.setInt(3, maxResults + 1);
                    ps.setLong(4, offset);
                }
                ps.setFetchSize(5000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Metric(rs.getString(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4),
                                rs.getString(5), rs.getString(6), rs.getString(7)));
                    }
                }
            }
            String next = null;
            if (maxResults != null && out.size() > maxResults) {
                out.remove(out.size() - 1);
                next = PageToken.encode(offset + maxResults);
            }
            return new HistoryPage(out, next);
        });
    }

    /** A metric value with its run id (bulk history responses). */
    public record RunMetric(String runId, Metric metric) {
    }

    /** History of one metric for several runs, restricted to the given steps (null = all), at most {@code limit} rows per run. */
    public List<RunMetric> historyForRuns(List<String> runIds, String key, long[] steps, int limit) {
        return db.read(c -> {
            List<RunMetric> out = new ArrayList<>();
            String sql = "SELECT run_uuid, key, value, timestamp, step, model_id, dataset_name, dataset_digest FROM metrics "
                    + "WHERE run_uuid = ? AND key = ?" + (steps != null ? " AND step = ANY(?)" : "")
                    + " ORDER BY step, timestamp, value LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (String runId : runIds) {
                    int i = 1;
                    ps.setString(i++, runId);
                    ps.setString(i++, key);
                    if (steps != null) {
                        Long[] boxed = new Long[steps.length];
                        for (int k = 0; k < steps.length; k++) {
                            boxed[k] = steps[k];
                        }
                        ps.setArray(i++, c.createArrayOf("bigint", boxed));
                    }
                    ps.setInt(i, limit);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(new RunMetric(rs.getString(1), new Metric(rs.getString(2), rs.getDouble(3), rs.getLong(4),
                                    rs.getLong(5), rs.getString(6), rs.getString(7), rs.getString(8))));
                        }
                    }
                }
            }
            return out;
        });
    }

    /** Distinct steps of one metric over several runs, ascending, with per-run min and max. */
    public record Steps(List<Long> all, List<Long> minsAndMaxes) {
    }

    public Steps steps(List<String> runIds, String key) {
        return db.read(c -> {
            List<Long> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT step FROM metrics WHERE run_uuid = ANY(?) AND key = ? ORDER BY step")) {
                ps.setArray(1, c.createArrayOf("text", runIds.toArray(new String[0])));
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(rs.getLong(1));
                    }
                }
            }
            List<Long> mm = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT min(step), max(step) FROM metrics WHERE run_uuid = ANY(?) AND key = ? GROUP BY run_uuid")) {
                ps.setArray(1, c.createArrayOf("text", runIds.toArray(new String[0])));
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        mm.add(rs.getLong(1));
                        mm.add(rs.getLong(2));
                    }
                }
            }
            return new Steps(all, mm);
        });
    }

    // ---------------------------------------------------------------- inputs and outputs

    public void logInputs(String runId, List<Run.DatasetInput> datasets, List<String> modelIds) {
        db.tx(c -> {
            Run.Info info = requireActive(c, runId);
            for (Run.DatasetInput d : datasets) {
                String datasetUuid;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, "
                        + "source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (experiment_id, name, digest) DO UPDATE SET name = EXCLUDED.name RETURNING dataset_uuid")) {
                    ps.setString(1, newRunId());
                    ps.setLong(2, info.experimentId());
                    ps.setString(3, d.name());
                    ps.setString(4, d.digest());
                    ps.setString(5, d.sourceType());
                    ps.setString(6, d.source());
                    ps.setString(7, d.schema());
                    ps.setString(8, d.profile());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        datasetUuid = rs.getString(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_dataset_inputs (run_uuid, dataset_uuid) VALUES (?, ?) "
                        + "ON CONFLICT DO NOTHING")) {
                    ps.setString(1, runId);
                    ps.setString(2, datasetUuid);
                    ps.executeUpdate();
                }
                if (!d.tags().isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_dataset_input_tags (run_uuid, dataset_uuid, key, value) "
                            + "VALUES (?, ?, ?, ?) ON CONFLICT (run_uuid, dataset_uuid, key) DO UPDATE SET value = EXCLUDED.value")) {
                        for (var t : d.tags().entrySet()) {
                            ps.setString(1, runId);
                            ps.setString(2, datasetUuid);
                            ps.setString(3, t.getKey());
                            ps.setString(4, Objects.requireNonNullElse(t.getValue(), ""));
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
            }
            if (!modelIds.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_model_inputs (run_uuid, model_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                    for (String m : modelIds) {
                        ps.setString(1, runId);
                        ps.setString(2, m);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return null;
        });
    }

    public void logOutputs(String runId, List<Run.ModelOutput> outputs) {
        db.tx(c -> {
            requireActive(c, runId);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_model_outputs (run_uuid, model_id, step) VALUES (?, ?, ?) "
                    + "ON CONFLICT DO NOTHING")) {
                for (Run.ModelOutput o : outputs) {
                    ps.setString(1, runId);
                    ps.setString(2, o.modelId());
                    ps.setLong(3, o.step());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }
}

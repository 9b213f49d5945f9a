package dev.dmsmlflow.tracking.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.PageToken;
import dev.dmsmlflow.tracking.traces.PyJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** GenAI evaluation datasets: datasets, their tags, experiment links and records (upserted by inputs). */
@ApplicationScoped
public class DatasetStore {
    static final String USER_TAG = "mlflow.user";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Inject
    Db db;

    /** A dataset row with its tags and experiment ids. */
    public record Dataset(String id, String name, String schema, String profile, String digest, long createdTime,
                          long lastUpdateTime, String createdBy, String lastUpdatedBy, Map<String, String> tags,
                          List<String> experimentIds) {
    }

    public record Page<T>(List<T> items, String nextPageToken) {
    }

    static String digest(String name, long time) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((name + ":" + time).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Dataset create(String name, Map<String, String> tags, List<String> experimentIds) {
        String id = "d-" + UUID.randomUUID().toString().replace("-", "");
        long now = System.currentTimeMillis();
        String user = tags.get(USER_TAG);
        return db.tx(c -> {
            for (String e : experimentIds) {
                requireExperiment(c, e);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO evaluation_datasets (dataset_id, name, digest, "
                    + "created_time, last_update_time, created_by, last_updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, name);
                ps.setString(3, digest(name, now));
                ps.setLong(4, now);
                ps.setLong(5, now);
                ps.setString(6, user);
                ps.setString(7, user);
                ps.executeUpdate();
            }
            setTags(c, id, tags);
            link(c, id, experimentIds);
            return load(c, id);
        });
    }

    static void requireExperiment(Connection c, String e) throws SQLException {
        long id;
        try {
            id = Long.parseLong(e);
        } catch (NumberFormatException ex) {
            throw MlflowException.notFound("No Experiment with id=" + e + " exists");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM experiments WHERE experiment_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw MlflowException.notFound("No Experiment with id=" + e + " exists");
                }
            }
        }
    }

    private static void link(Connection c, String id, List<String> experimentIds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO entity_associations (source_type, source_id, "
                + "destination_type, destination_id, created_time) VALUES ('evaluation_dataset', ?, 'experiment', ?, ?) "
                + "ON CONFLICT DO NOTHING")) {
            for (String e : experimentIds) {
                ps.setString(1, id);
                ps.setString(2, e);
                ps.setLong(3, System.currentTimeMillis());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public Dataset get(String id) {
        return db.read(c -> load(c, id));
    }

    public void delete(String id) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM evaluation_datasets WHERE dataset_id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM entity_associations WHERE "
                    + "source_type = 'evaluation_dataset' AND source_id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public Dataset setTags(String id, Map<String, String> tags) {
        return db.tx(c -> {
            load(c, id);
            setTags(c, id, tags);
            return load(c, id);
        });
    }

    private static void setTags(Connection c, String id, Map<String, String> tags) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("INSERT INTO evaluation_dataset_tags (dataset_id, key, value) "
                + "VALUES (?, ?, ?) ON CONFLICT (dataset_id, key) DO UPDATE SET value = EXCLUDED.value");
             PreparedStatement del = c.prepareStatement("DELETE FROM evaluation_dataset_tags WHERE dataset_id = ? AND key = ?")) {
            for (var e : tags.entrySet()) {
                if (e.getValue() == null) {
                    del.setString(1, id);
                    del.setString(2, e.getKey());
                    del.addBatch();
                } else {
                    up.setString(1, id);
                    up.setString(2, e.getKey());
                    up.setString(3, e.getValue());
                    up.addBatch();
                }
            }
            up.executeBatch();
            del.executeBatch();
        }
    }

    public void deleteTag(String id, String key) {
        db.tx(c -> {
            load(c, id);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM evaluation_dataset_tags WHERE dataset_id = ? AND key = ?")) {
                ps.setString(1, id);
                ps.setString(2, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public Dataset addExperiments(String id, List<String> experimentIds, boolean add) {
        return db.tx(c -> {
            load(c, id);
            if (add) {
                for (String e : experimentIds) {
                    requireExperiment(c, e);
                }
                link(c, id, experimentIds);
            } else {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM entity_associations WHERE source_type = "
                        + "'evaluation_dataset' AND source_id = ? AND destination_type = 'experiment' AND destination_id = ANY(?)")) {
                    ps.setString(1, id);
                    ps.setArray(2, c.createArrayOf("text", experimentIds.toArray(new String[0])));
                    ps.executeUpdate();
                }
            }
            return load(c, id);
        });
    }

    static Dataset load(Connection c, String id) throws SQLException {
        List<Dataset> l = loadAll(c, List.of(id));
        if (l.isEmpty()) {
            throw MlflowException.notFound("Dataset with ID '" + id + "' not found");
        }
        return l.get(0);
    }

    static List<Dataset> loadAll(Connection c, List<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        java.sql.Array arr = c.createArrayOf("text", ids.toArray(new String[0]));
        Map<String, Map<String, String>> tags = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT dataset_id, key, value FROM evaluation_dataset_tags "
                + "WHERE dataset_id = ANY(?) ORDER BY key")) {
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tags.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getString(3));
                }
            }
        }
        Map<String, List<String>> exps = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT source_id, destination_id FROM entity_associations "
                + "WHERE source_type = 'evaluation_dataset' AND source_id = ANY(?) AND destination_type = 'experiment' "
                + "ORDER BY created_time, destination_id")) {
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    exps.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        Map<String, Dataset> byId = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT dataset_id, name, schema_json, profile_json, digest, "
                + "created_time, last_update_time, created_by, last_updated_by FROM evaluation_datasets WHERE dataset_id = ANY(?)")) {
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    byId.put(id, new Dataset(id, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getString(9),
                            tags.getOrDefault(id, Map.of()), exps.getOrDefault(id, List.of())));
                }
            }
        }
        List<Dataset> out = new ArrayList<>();
        for (String id : ids) {
            if (byId.containsKey(id)) {
                out.add(byId.get(id));
            }
        }
        return out;
    }

    public Page<Dataset> search(List<String> experimentIds, String filter, int maxResults, List<String> orderBy, String token) {
        long offset = PageToken.decodeOffset(token);
        Sql sql = new Sql().append("SELECT d.dataset_id FROM evaluation_datasets d WHERE TRUE");
        if (!experimentIds.isEmpty()) {
            sql.append(" AND EXISTS (SELECT 1 FROM entity_associations e WHERE e.source_type = 'evaluation_dataset' "
                    + "AND e.source_id = d.dataset_id AND e.destination_type = 'experiment' AND e.destination_id = ANY(?))",
                    (Object) experimentIds.toArray(new String[0]));
        }
        for (dev.dmsmlflow.tracking.traces.TraceFilter.Clause cl : dev.dmsmlflow.tracking.traces.TraceFilter.parse(filter)) {
            sql.append(" AND ");
            DatasetSearch.clause(sql, cl);
        }
        sql.append(" ORDER BY ");
        for (String o : orderBy) {
            DatasetSearch.order(sql, o);
            sql.append(", ");
        }
        sql.append("d.created_time DESC, d.dataset_id LIMIT ? OFFSET ?", maxResults, offset);
        return db.read(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return new Page<>(loadAll(c, ids), ids.size() == maxResults ? PageToken.encode(offset + maxResults) : null);
        });
    }

    // ------------------------------------------------------------------ records

    /** Upserts records by their inputs; returns {inserted, updated}. */
    public int[] upsertRecords(String id, JsonNode records) {
        if (!records.isArray()) {
            throw MlflowException.invalidParameter("'records' must be a JSON list of records");
        }
        long now = System.currentTimeMillis();
        return db.tx(c -> {
            // Writers of one dataset's records take turns on its row (across threads and replicas alike): two upserts of the
            // same new inputs would otherwise both find no record and the second would fail on the unique input hash
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM evaluation_datasets WHERE dataset_id = ? FOR NO KEY UPDATE")) {
                ps.setString(1, id);
                ps.executeQuery().close();
            }
            Dataset ds = load(c, id);
            int inserted = 0;
            int updated = 0;
            String updatedBy = null;
            for (JsonNode r : records) {
                if (!r.isObject()) {
                    throw MlflowException.invalidParameter("Each dataset record must be a JSON object");
                }
                JsonNode inputs = r.get("inputs");
                if (inputs == null || inputs.isNull()) {
                    inputs = F.objectNode();
                }
                String hash = sha256(PyJson.dump(sorted(inputs)));
                JsonNode tags = obj(r, "tags");
                String user = tags != null && tags.has(USER_TAG) ? tags.get(USER_TAG).asText() : null;
                if (user != null) {
                    updatedBy = user;
                }
                Object[] existing = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT dataset_record_id, expectations::text, tags::text "
                        + "FROM evaluation_dataset_records WHERE dataset_id = ? AND input_hash = ? FOR UPDATE")) {
                    ps.setString(1, id);
                    ps.setString(2, hash);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            existing = new Object[]{rs.getString(1), rs.getString(2), rs.getString(3)};
                        }
                    }
                }
                JsonNode source = r.get("source");
                String sourceType = source != null && source.isObject() ? source.path("source_type").asText(null) : null;
                String sourceId = source != null && source.isObject() ? sourceId(source) : null;
                if (existing == null) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO evaluation_dataset_records (dataset_record_id, "
                            + "dataset_id, inputs, outputs, expectations, tags, source, source_id, source_type, created_time, "
                            + "last_update_time, created_by, last_updated_by, input_hash) VALUES (?, ?, ?::jsonb, ?::jsonb, "
                            + "?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)")) {
                        ps.setString(1, "dr-" + UUID.randomUUID().toString().replace("-", ""));
                        ps.setString(2, id);
                        ps.setString(3, inputs.toString());
                        ps.setString(4, text(r.get("outputs")));
                        ps.setString(5, text(obj(r, "expectations")));
                        ps.setString(6, text(tags));
                        ps.setString(7, text(source));
                        ps.setString(8, sourceId);
                        ps.setString(9, sourceType);
                        ps.setLong(10, now);
                        ps.setLong(11, now);
                        ps.setString(12, user);
                        ps.setString(13, user);
                        ps.setString(14, hash);
                        ps.executeUpdate();
                    }
                    inserted++;
                } else {
                    ObjectNode exp = merge((String) existing[1], obj(r, "expectations"));
                    ObjectNode tg = merge((String) existing[2], tags);
                    try (PreparedStatement ps = c.prepareStatement("UPDATE evaluation_dataset_records SET "
                            + "expectations = ?::jsonb, tags = ?::jsonb, outputs = COALESCE(?::jsonb, outputs), "
                            + "last_update_time = ?, last_updated_by = COALESCE(?, last_updated_by) WHERE dataset_record_id = ?")) {
                        ps.setString(1, exp == null ? null : exp.toString());
                        ps.setString(2, tg == null ? null : tg.toString());
                        ps.setString(3, text(r.get("outputs")));
                        ps.setLong(4, now);
                        ps.setString(5, user);
                        ps.setString(6, (String) existing[0]);
                        ps.executeUpdate();
                    }
                    updated++;
                }
            }
            String schema = schema(ds.schema(), records);
            int count;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM evaluation_dataset_records WHERE dataset_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    count = rs.getInt(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE evaluation_datasets SET last_update_time = ?, "
                    + "last_updated_by = ?, digest = ?, schema_json = ?, profile_json = ? WHERE dataset_id = ?")) {
                ps.setLong(1, now);
                ps.setString(2, updatedBy);
                ps.setString(3, digest(ds.name(), now));
                ps.setString(4, schema);
                ps.setString(5, "{\"num_records\": " + count + "}");
                ps.setString(6, id);
                ps.executeUpdate();
            }
            return new int[]{inserted, updated};
        });
    }

    private static String sourceId(JsonNode source) {
        JsonNode data = source.get("source_data");
        if (data != null && data.isObject()) {
            for (String k : new String[]{"trace_id", "doc_uri", "source_id"}) {
                if (data.hasNonNull(k)) {
                    return data.get(k).asText();
                }
            }
        }
        return null;
    }

    private static JsonNode obj(JsonNode r, String name) {
        JsonNode n = r.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw MlflowException.invalidParameter("Dataset record field '" + name + "' must be a JSON object");
        }
        return n;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.toString();
    }

    private static ObjectNode merge(String existing, JsonNode update) {
        ObjectNode base = null;
        if (existing != null) {
            try {
                JsonNode n = Json.MAPPER.readTree(existing);
                if (n != null && n.isObject()) {
                    base = (ObjectNode) n;
                }
            } catch (java.io.IOException ignored) {
                // replaced below
            }
        }
        if (update == null) {
            return base;
        }
        if (base == null) {
            base = F.objectNode();
        }
        base.setAll((ObjectNode) update);
        return base;
    }

    static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = F.objectNode();
            TreeMap<String, JsonNode> m = new TreeMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), sorted(e.getValue())));
            m.forEach(o::set);
            return o;
        }
        if (n.isArray()) {
            var a = F.arrayNode();
            n.forEach(e -> a.add(sorted(e)));
            return a;
        }
        return n;
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Field types of inputs / outputs / expectations seen so far, as upstream records them. */
    static String schema(String existing, JsonNode records) {
        ObjectNode s;
        try {
            JsonNode n = existing == null ? null : Json.MAPPER.readTree(existing);
            s = n != null && n.isObject() ? (ObjectNode) n : F.objectNode();
        } catch (java.io.IOException e) {
            s = F.objectNode();
        }
        for (String part : new String[]{"inputs", "outputs", "expectations"}) {
            if (!s.has(part) || !s.get(part).isObject()) {
                s.set(part, F.objectNode());
            }
        }
        for (JsonNode r : records) {
            for (String part : new String[]{"inputs", "outputs", "expectations"}) {
                JsonNode v = r.get(part);
                if (v != null && v.isObject()) {
                    ObjectNode target = (ObjectNode) s.get(part);
                    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!target.has(e.getKey())) {
                            target.put(e.getKey(), type(e.getValue()));
                        }
                    }
                }
            }
        }
        s.put("version", "1.0");
        ObjectNode ordered = F.objectNode();
        for (String k : new String[]{"inputs", "outputs", "expectations", "version"}) {
            ordered.set(k, s.get(k));
        }
        return PyJson.dump(ordered);
    }

    private static String type(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "float";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isArray()) {
            return "array";
        }
        return "object";
    }

    /** Records of a dataset (JSON text of a list), paged by offset. */
    public Page<String> records(String id, int maxResults, String token) {
        long offset = PageToken.decodeOffset(token);
        return db.read(c -> {
            load(c, id);
            StringBuilder sb = new StringBuilder("[");
            int n = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT dataset_record_id, dataset_id, inputs::text, "
                    + "expectations::text, tags::text, source::text, source_type, created_time, last_update_time, created_by, "
                    + "last_updated_by, outputs::text, source_id FROM evaluation_dataset_records WHERE dataset_id = ? "
                    + "ORDER BY created_time, dataset_record_id LIMIT ? OFFSET ?")) {
                ps.setString(1, id);
                ps.setInt(2, maxResults);
                ps.setLong(3, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode o = F.objectNode();
                        o.put("dataset_record_id", rs.getString(1));
                        o.put("dataset_id", rs.getString(2));
                        o.set("inputs", tree(rs.getString(3), true));
                        putIf(o, "expectations", tree(rs.getString(4), false));
                        putIf(o, "tags", tree(rs.getString(5), false));
                        putIf(o, "source", tree(rs.getString(6), false));
                        if (rs.getString(13) != null) {
                            o.put("source_id", rs.getString(13));
                        }
                        if (rs.getString(7) != null) {
                            o.put("source_type", rs.getString(7));
                        }
                        o.put("created_time", rs.getLong(8));
                        o.put("last_update_time", rs.getLong(9));
                        if (rs.getString(10) != null) {
                            o.put("created_by", rs.getString(10));
                        }
                        if (rs.getString(11) != null) {
                            o.put("last_updated_by", rs.getString(11));
                        }
                        JsonNode out = tree(rs.getString(12), false);
                        o.set("outputs", out == null ? F.objectNode() : out);
                        sb.append(n == 0 ? "" : ", ").append(PyJson.dump(o));
                        n++;
                    }
                }
            }
            sb.append("]");
            return new Page<>(List.of(sb.toString()), n == maxResults ? PageToken.encode(offset + maxResults) : null);
        });
    }

    private static void putIf(ObjectNode o, String k, JsonNode v) {
        if (v != null) {
            o.set(k, v);
        }
    }

    private static JsonNode tree(String s, boolean emptyObject) {
        if (s == null) {
            return emptyObject ? F.objectNode() : null;
        }
        try {
            return Json.MAPPER.readTree(s);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    public int deleteRecords(String id, List<String> recordIds) {
        return db.tx(c -> {
            load(c, id);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM evaluation_dataset_records WHERE dataset_id = ? "
                    + "AND dataset_record_id = ANY(?)")) {
                ps.setString(1, id);
                ps.setArray(2, c.createArrayOf("text", recordIds.toArray(new String[0])));
                int n = ps.executeUpdate();
                try (PreparedStatement up = c.prepareStatement("UPDATE evaluation_datasets SET profile_json = "
                        + "'{\"num_records\": ' || (SELECT count(*) FROM evaluation_dataset_records WHERE dataset_id = ?) || '}', "
                        + "last_update_time = ? WHERE dataset_id = ?")) {
                    up.setString(1, id);
                    up.setLong(2, System.currentTimeMillis());
                    up.setString(3, id);
                    up.executeUpdate();
                }
                return n;
            }
        });
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

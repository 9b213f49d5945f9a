package dev.dmsmlflow.tracking.experiments;

import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.ErrorCode;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.FilterParser;
import dev.dmsmlflow.tracking.search.FilterParser.Clause;
import dev.dmsmlflow.tracking.search.FilterParser.OrderTerm;
import dev.dmsmlflow.tracking.search.PageToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Experiments in PostgreSQL (plain JDBC). Other features use {@link #requireActive}/{@link #get} to resolve experiments. */
@ApplicationScoped
public class ExperimentStore {
    public static final String DEFAULT_ARTIFACT_SCHEME = "mlflow-artifacts:/";

    @Inject
    Db db;

    /** Which lifecycle stages a search returns. */
    public enum ViewType {
        ACTIVE_ONLY, DELETED_ONLY, ALL;

        public static ViewType parse(String s) {
            if (s == null || s.isEmpty()) {
                return ACTIVE_ONLY;
            }
            try {
                return valueOf(s);
            } catch (IllegalArgumentException e) {
                throw MlflowException.invalidParameter("Invalid value '" + s + "' for parameter 'view_type': expected one of "
                        + "ACTIVE_ONLY, DELETED_ONLY, ALL");
            }
        }

        public String sqlCondition(String column) {
            return switch (this) {
                case ACTIVE_ONLY -> column + " = 'active'";
                case DELETED_ONLY -> column + " = 'deleted'";
                case ALL -> "TRUE";
            };
        }
    }

    /** A page of experiments. */
    public record Page(List<Experiment> experiments, String nextPageToken) {
    }

    public static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException | NullPointerException e) {
            throw MlflowException.notFound("No Experiment with id=" + id + " exists");
        }
    }

    public long create(String name, String artifactLocation, Map<String, String> tags) {
        long now = System.currentTimeMillis();
        try {
            return db.tx(c -> {
                long id;
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) "
                                + "VALUES (?, ?, 'active', ?, ?) RETURNING experiment_id")) {
                    ps.setString(1, name);
                    ps.setString(2, artifactLocation);
                    ps.setLong(3, now);
                    ps.setLong(4, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                }
                if (artifactLocation == null || artifactLocation.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?")) {
                        ps.setString(1, DEFAULT_ARTIFACT_SCHEME + id);
                        ps.setLong(2, id);
                        ps.executeUpdate();
                    }
                }
                if (!tags.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
                                    + "ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value")) {
                        for (var e : tags.entrySet()) {
                            ps.setLong(1, id);
                            ps.setString(2, e.getKey());
                            ps.setString(3, e.getValue());
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                return id;
            });
        } catch (RuntimeException e) {
            if (Db.isUniqueViolation(e)) {
                throw MlflowException.alreadyExists("Experiment(name=" + name + ") already exists.");
            }
            throw e;
        }
    }

    public Experiment get(String id) {
        long eid = parseId(id);
        Experiment e = db.read(c -> load(c, "experiment_id = ?", eid));
        if (e == null) {
            throw MlflowException.notFound("No Experiment with id=" + id + " exists");
        }
        return e;
    }

    /** Loads an experiment inside an existing transaction, or null. */
    public Experiment find(Connection c, long id) throws SQLException {
        return load(c, "experiment_id = ?", id);
    }

    public Experiment requireActive(Connection c, String id) throws SQLException {
        long eid = parseId(id);
        Experiment e = load(c, "experiment_id = ?", eid);
        if (e == null) {
            throw MlflowException.notFound("No Experiment with id=" + id + " exists");
        }
        if (!e.isActive()) {
            throw MlflowException.invalidParameter("The experiment " + id + " must be in the 'active' state. "
                    + "Current state is " + e.lifecycleStage() + ".");
        }
        return e;
    }

    public Experiment getByName(String name) {
        Experiment e = db.read(c -> load(c, "name = ?", name));
        if (e == null) {
            throw MlflowException.notFound("Could not find experiment with name '" + name + "'");
        }
        return e;
    }

    private Experiment load(Connection c, String where, Object key) throws SQLException {
        Experiment base;
        try (PreparedStatement ps = c.prepareStatement("SELECT experiment_id, name, artifact_location, lifecycle_stage, "
                + "creation_time, last_update_time FROM experiments WHERE " + where)) {
            ps.setObject(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                base = row(rs, new LinkedHashMap<>());
            }
        }
        loadTags(c, List.of(base));
        return base;
    }

    private static Experiment row(ResultSet rs, Map<String, String> tags) throws SQLException {
        return new Experiment(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getLong(5), rs.getLong(6), tags);
    }

    private static void loadTags(Connection c, List<Experiment> exps) throws SQLException {
        if (exps.isEmpty()) {
            return;
        }
        Map<Long, Map<String, String>> byId = new java.util.HashMap<>();
        Long[] ids = new Long[exps.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = exps.get(i).id();
            byId.put(ids[i], exps.get(i).tags());
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id = ANY(?) ORDER BY key")) {
            ps.setArray(1, c.createArrayOf("bigint", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.get(rs.getLong(1)).put(rs.getString(2), rs.getString(3));
                }
            }
        }
    }

    public void rename(String id, String newName) {
        long eid = parseId(id);
        try {
            db.tx(c -> {
                Experiment e = requireExisting(c, eid, id);
                if (!e.isActive()) {
                    throw MlflowException.invalidParameter("Cannot rename a non-active experiment.");
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?")) {
                    ps.setString(1, newName);
                    ps.setLong(2, System.currentTimeMillis());
                    ps.setLong(3, eid);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (Db.isUniqueViolation(e)) {
                // upstream: the database's integrity error, answered 400 BAD_REQUEST (not RESOURCE_ALREADY_EXISTS)
                throw new MlflowException(ErrorCode.BAD_REQUEST, "Experiment(name=" + newName + ") already exists.");
            }
            throw e;
        }
    }

    private Experiment requireExisting(Connection c, long eid, String id) throws SQLException {
        Experiment e = load(c, "experiment_id = ?", eid);
        if (e == null) {
            throw MlflowException.notFound("No Experiment with id=" + id + " exists");
        }
        return e;
    }

    /** Marks the experiment and its active runs deleted (restore undoes both). */
    public void setLifecycle(String id, boolean delete) {
        long eid = parseId(id);
        db.tx(c -> {
            Experiment e = requireExisting(c, eid, id);
            if (delete && eid == 0) {
                throw MlflowException.invalidParameter("Cannot delete the default experiment '0'. This is an internally reserved experiment.");
            }
            // upstream looks the experiment up among the deleted ones to restore it (the active ones to delete
            // it), so the wrong state answers like an unknown id: 404 RESOURCE_DOES_NOT_EXIST
            if (delete != e.isActive()) {
                throw MlflowException.notFound("No Experiment with id=" + id + " exists");
            }
            long now = System.currentTimeMillis();
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?")) {
                ps.setString(1, delete ? "deleted" : "active");
                ps.setLong(2, now);
                ps.setLong(3, eid);
                ps.executeUpdate();
            }
            String runs = delete
                    ? "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'"
                    : "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND lifecycle_stage = 'deleted'";
            try (PreparedStatement ps = c.prepareStatement(runs)) {
                int i = 1;
                if (delete) {
                    ps.setLong(i++, now);
                }
                ps.setLong(i, eid);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void setTag(String id, String key, String value) {
        db.tx(c -> {
            Experiment e = requireActive(c, id);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
                    + "ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value")) {
                ps.setLong(1, e.id());
                ps.setString(2, key);
                ps.setString(3, value);
                ps.executeUpdate();
            }
            touch(c, e.id());
            return null;
        });
    }

    public void deleteTag(String id, String key) {
        db.tx(c -> {
            Experiment e = requireActive(c, id);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?")) {
                ps.setLong(1, e.id());
                ps.setString(2, key);
                if (ps.executeUpdate() == 0) {
                    throw MlflowException.notFound("No tag with name: " + key + " in experiment with id " + id);
                }
            }
            touch(c, e.id());
            return null;
        });
    }

    private static void touch(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    public Page search(ViewType view, int maxResults, String filter, List<String> orderBy, String pageToken) {
        long offset = PageToken.decodeOffset(pageToken);
        Sql sql = new Sql().append("SELECT e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, "
                + "e.creation_time, e.last_update_time FROM experiments e WHERE " + view.sqlCondition("e.lifecycle_stage"));
        for (Clause cl : FilterParser.parseFilter(filter)) {
            sql.append(" AND ");
            appendClause(sql, cl);
        }
        sql.append(" ORDER BY ");
        appendOrder(sql, orderBy);
        sql.append(" LIMIT ? OFFSET ?", maxResults + 1, offset);
        return db.read(c -> {
            List<Experiment> out = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs, new LinkedHashMap<>()));
                }
            }
            String next = null;
            if (out.size() > maxResults) {
                out.remove(out.size() - 1);
                next = PageToken.encode(offset + maxResults);
            }
            loadTags(c, out);
            return new Page(out, next);
        });
    }

    static void appendClause(Sql sql, Clause cl) {
        String cmp = cl.comparator();
        if (cl.isNullCheck() && !FilterParser.TAG.equals(cl.type())) {
            throw MlflowException.invalidParameter("IS NULL / IS NOT NULL is only supported for tags, not for attribute '"
                    + cl.key() + "'");
        }
        switch (cl.type()) {
            case FilterParser.ATTRIBUTE -> {
                switch (cl.key()) {
                    case "name" -> {
                        requireString(cl);
                        stringComparison(sql, "e.name", cmp, cl);
                    }
                    case "creation_time", "last_update_time" -> {
                        requireNumber(cl);
                        numericComparator(cl);
                        sql.append("e." + cl.key() + " " + cmp + " ?", cl.value().number());
                    }
                    default -> throw MlflowException.invalidParameter("Invalid attribute key '" + cl.key()
                            + "' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'");
                }
            }
            case FilterParser.TAG -> {
                if (cl.isNullCheck()) {
                    sql.append((cmp.equals(Clause.IS_NULL) ? "NOT " : "") + "EXISTS (SELECT 1 FROM experiment_tags t "
                            + "WHERE t.experiment_id = e.experiment_id AND t.key = ?)", cl.key());
                    return;
                }
                requireString(cl);
                sql.append("EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND ", cl.key());
                stringComparison(sql, "t.value", cmp, cl);
                sql.append(")");
            }
            default -> throw MlflowException.invalidParameter("Invalid entity type '" + cl.type()
                    + "'. Valid entity types are ['attribute', 'tag'] for experiment search");
        }
    }

    private static void requireString(Clause cl) {
        if (cl.value().kind() != FilterParser.Value.Kind.STRING) {
            throw MlflowException.invalidParameter("Expected a quoted string value for " + cl.type() + " '" + cl.key()
                    + "' (e.g. 'my-value'). Got value " + cl.value());
        }
    }

    private static void requireNumber(Clause cl) {
        if (cl.value().kind() != FilterParser.Value.Kind.NUMBER) {
            throw MlflowException.invalidParameter("Expected numeric value type for numeric attribute: " + cl.key()
                    + ". Found " + cl.value());
        }
    }

    private static void numericComparator(Clause cl) {
        if (!Set.of("=", "!=", ">", ">=", "<", "<=").contains(cl.comparator())) {
            throw MlflowException.invalidParameter("Invalid comparator '" + cl.comparator() + "' not one of "
                    + "'['=', '!=', '>', '>=', '<', '<=']'");
        }
    }

    private static void stringComparison(Sql sql, String column, String cmp, Clause cl) {
        switch (cmp) {
            case "=", "!=" -> sql.append(column + " " + cmp + " ?", cl.value().text());
            case "LIKE" -> sql.append(column + " LIKE ?", cl.value().text());
            case "ILIKE" -> sql.append(column + " ILIKE ?", cl.value().text());
            default -> throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' not one of "
                    + "'['=', '!=', 'LIKE', 'ILIKE']'");
        }
    }

    private static void appendOrder(Sql sql, List<String> orderBy) {
        Set<String> seen = new HashSet<>();
        List<String> parts = new ArrayList<>();
        for (String item : orderBy) {
            OrderTerm t = FilterParser.parseOrderBy(item);
            if (!FilterParser.ATTRIBUTE.equals(t.type())) {
                throw MlflowException.invalidParameter("Invalid order_by entity type '" + t.type() + "' in '" + item + "'");
            }
            String col = switch (t.key()) {
                case "name" -> "e.name";
                case "experiment_id" -> "e.experiment_id";
                case "creation_time" -> "e.creation_time";
                case "last_update_time" -> "e.last_update_time";
                default -> throw MlflowException.invalidParameter("Invalid order by key '" + t.key()
                        + "' specified. Valid keys are ['name', 'experiment_id', 'creation_time', 'last_update_time']");
            };
            if (!seen.add(col)) {
                throw MlflowException.invalidParameter("`order_by` contains duplicate fields: " + orderBy);
            }
            parts.add(col + (t.ascending() ? " ASC" : " DESC"));
        }
        if (parts.isEmpty()) {
            parts.add("e.creation_time DESC");
            seen.add("e.creation_time");
        }
        if (!seen.contains("e.experiment_id")) {
            parts.add("e.experiment_id ASC");
        }
        sql.append(String.join(", ", parts));
    }
}

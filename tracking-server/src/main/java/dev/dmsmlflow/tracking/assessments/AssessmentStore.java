package dev.dmsmlflow.tracking.assessments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.traces.ProtoTime;
import dev.dmsmlflow.tracking.traces.TraceStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/** Assessments on traces: create (with overrides), get, update (by field mask), delete (restoring an overridden one). */
@ApplicationScoped
public class AssessmentStore {
    public static final String COLUMNS = Assessment.COLUMNS;
    static final Set<String> SOURCE_TYPES = Set.of("SOURCE_TYPE_UNSPECIFIED", "HUMAN", "LLM_JUDGE", "CODE");
    static final int MAX_NAME = 250;
    static final int MAX_ID = 50;

    @Inject
    Db db;

    /** Validates an Assessment message and inserts it in {@code c} under a new id; the trace must exist. */
    public Assessment insert(Connection c, String traceId, JsonNode a) throws SQLException {
        return write(c, traceId, a, false);
    }

    /**
     * An assessment that came inside a trace's info at {@code start_trace}: it keeps the {@code assessment_id} the client
     * gave it (clients from 3.18 assign one before sending, so that a retried start_trace updates the same assessment
     * instead of adding a second one, as upstream's store does); without one it gets a new id.
     */
    public Assessment upsertFromTrace(Connection c, String traceId, JsonNode a) throws SQLException {
        return write(c, traceId, a, true);
    }

    private Assessment write(Connection c, String traceId, JsonNode a, boolean keepClientId) throws SQLException {
        if (a == null || !a.isObject()) {
            throw MlflowException.missing("assessment");
        }
        String name = text(a, "assessment_name", "assessmentName");
        if (name == null || name.isEmpty()) {
            throw MlflowException.missing("assessment_name");
        }
        if (name.length() > MAX_NAME) {
            throw MlflowException.invalidParameter("Assessment name must be at most " + MAX_NAME + " characters");
        }
        String kind;
        JsonNode value;
        if ((value = node(a, "feedback", "feedback")) != null) {
            kind = "feedback";
        } else if ((value = node(a, "expectation", "expectation")) != null) {
            kind = "expectation";
        } else if ((value = node(a, "issue", "issue")) != null) {
            kind = "issue";
        } else {
            throw MlflowException.invalidParameter("An assessment must have a 'feedback' or 'expectation' value");
        }
        if (!value.isObject()) {
            throw MlflowException.invalidParameter("The '" + kind + "' of an assessment must be an object");
        }
        JsonNode source = node(a, "source", "source");
        String sourceType = "SOURCE_TYPE_UNSPECIFIED";
        String sourceId = null;
        if (source != null) {
            if (!source.isObject()) {
                throw MlflowException.invalidParameter("The 'source' of an assessment must be an object");
            }
            sourceType = text(source, "source_type", "sourceType");
            sourceType = sourceType == null ? "SOURCE_TYPE_UNSPECIFIED" : sourceType.toUpperCase(Locale.ROOT);
            if (!SOURCE_TYPES.contains(sourceType)) {
                throw MlflowException.invalidParameter("Invalid assessment source type '" + sourceType
                        + "'. Valid values are HUMAN, LLM_JUDGE, CODE");
            }
            sourceId = text(source, "source_id", "sourceId");
        }
        long now = System.currentTimeMillis();
        Long created = ProtoTime.parseTimestamp("create_time", node(a, "create_time", "createTime"));
        Long updated = ProtoTime.parseTimestamp("last_update_time", node(a, "last_update_time", "lastUpdateTime"));
        String overrides = text(a, "overrides", "overrides");
        JsonNode validNode = node(a, "valid", "valid");
        JsonNode meta = node(a, "metadata", "metadata");
        if (meta != null && !meta.isObject()) {
            throw MlflowException.invalidParameter("The 'metadata' of an assessment must be an object");
        }
        JsonNode error = node(a, "error", "error");
        String id = keepClientId ? text(a, "assessment_id", "assessmentId") : null;
        if (id == null || id.isEmpty()) {
            id = "a-" + UUID.randomUUID().toString().replace("-", "");
        } else if (id.length() > MAX_ID) {
            throw MlflowException.invalidParameter("Invalid assessment_id '" + id.substring(0, 20) + "...': at most "
                    + MAX_ID + " characters");
        }
        if (overrides != null && !overrides.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE assessments SET valid = FALSE WHERE trace_id = ? "
                    + "AND assessment_id = ?")) {
                ps.setString(1, traceId);
                ps.setString(2, overrides);
                if (ps.executeUpdate() == 0) {
                    throw MlflowException.notFound("Assessment with ID '" + overrides + "' not found for trace '" + traceId + "'");
                }
            }
        } else {
            overrides = null;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO assessments (assessment_id, trace_id, name, "
                + "assessment_type, value, error, created_timestamp, last_updated_timestamp, source_type, source_id, "
                + "run_id, span_id, rationale, overrides, valid, assessment_metadata) "
                + "VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
                + (keepClientId ? " ON CONFLICT (assessment_id) DO UPDATE SET name = EXCLUDED.name, "
                        + "assessment_type = EXCLUDED.assessment_type, value = EXCLUDED.value, error = EXCLUDED.error, "
                        + "created_timestamp = EXCLUDED.created_timestamp, last_updated_timestamp = EXCLUDED.last_updated_timestamp, "
                        + "source_type = EXCLUDED.source_type, source_id = EXCLUDED.source_id, run_id = EXCLUDED.run_id, "
                        + "span_id = EXCLUDED.span_id, rationale = EXCLUDED.rationale, overrides = EXCLUDED.overrides, "
                        + "valid = EXCLUDED.valid, assessment_metadata = EXCLUDED.assessment_metadata "
                        + "WHERE assessments.trace_id = EXCLUDED.trace_id" : ""))) {
            ps.setString(1, id);
            ps.setString(2, traceId);
            ps.setString(3, name);
            ps.setString(4, kind);
            ps.setString(5, value.toString());
            ps.setString(6, error == null ? null : error.toString());
            ps.setLong(7, created == null ? now : created);
            ps.setLong(8, updated == null ? (created == null ? now : created) : updated);
            ps.setString(9, sourceType);
            ps.setString(10, sourceId);
            ps.setString(11, text(a, "run_id", "runId"));
            ps.setString(12, text(a, "span_id", "spanId"));
            ps.setString(13, text(a, "rationale", "rationale"));
            ps.setString(14, overrides);
            ps.setBoolean(15, validNode == null || validNode.asBoolean(true));
            ps.setString(16, meta == null ? null : meta.toString());
            if (ps.executeUpdate() == 0) {
                // only an upsert skips a row: the id is taken by an assessment of another trace
                throw MlflowException.invalidParameter("Assessment ID '" + id + "' belongs to another trace than '"
                        + traceId + "'");
            }
        }
        return get(c, traceId, id);
    }

    public Assessment create(String traceId, JsonNode a) {
        return db.tx(c -> {
            requireTrace(c, traceId);
            return insert(c, traceId, a);
        });
    }

    public Assessment get(String traceId, String assessmentId) {
        return db.read(c -> get(c, traceId, assessmentId));
    }

    private Assessment get(Connection c, String traceId, String assessmentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM assessments WHERE trace_id = ? "
                + "AND assessment_id = ?")) {
            ps.setString(1, traceId);
            ps.setString(2, assessmentId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return Assessment.read(rs);
                }
            }
        }
        requireTrace(c, traceId);
        throw MlflowException.notFound("Assessment with ID '" + assessmentId + "' not found for trace '" + traceId + "'");
    }

    /** Updates the fields named in {@code mask} (all given fields when the mask is empty). */
    public Assessment update(String traceId, String assessmentId, JsonNode a, Set<String> mask) {
        return db.tx(c -> {
            Assessment old = get(c, traceId, assessmentId);
            String name = old.name();
            JsonNode value = old.value();
            JsonNode error = old.error();
            String rationale = old.rationale();
            JsonNode meta = old.metadata();
            boolean all = mask.isEmpty();
            if ((all || mask.contains("assessment_name")) && text(a, "assessment_name", "assessmentName") != null) {
                name = text(a, "assessment_name", "assessmentName");
                if (name.isEmpty() || name.length() > MAX_NAME) {
                    throw MlflowException.invalidParameter("Invalid assessment name");
                }
            }
            JsonNode fb = node(a, "feedback", "feedback");
            JsonNode ex = node(a, "expectation", "expectation");
            if (fb != null && ex != null) {
                throw MlflowException.invalidParameter("Cannot specify both `expectation` and `feedback` parameters.");
            }
            if ((all || mask.contains("feedback")) && fb != null) {
                if (!old.kind().equals("feedback")) {
                    throw MlflowException.invalidParameter("Cannot update feedback value on an Expectation assessment.");
                }
                value = fb;
                error = fb.get("error");
            }
            if ((all || mask.contains("expectation")) && ex != null) {
                if (!old.kind().equals("expectation")) {
                    throw MlflowException.invalidParameter("Cannot update expectation value on a Feedback assessment.");
                }
                value = ex;
            }
            if ((all || mask.contains("rationale")) && text(a, "rationale", "rationale") != null) {
                rationale = text(a, "rationale", "rationale");
            }
            JsonNode newMeta = node(a, "metadata", "metadata");
            if ((all || mask.contains("metadata")) && newMeta != null) {
                if (!newMeta.isObject()) {
                    throw MlflowException.invalidParameter("The 'metadata' of an assessment must be an object");
                }
                ObjectNode merged = meta != null && meta.isObject() ? ((ObjectNode) meta).deepCopy() : Json.MAPPER.createObjectNode();
                merged.setAll((ObjectNode) newMeta);
                meta = merged;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE assessments SET name = ?, value = ?::jsonb, "
                    + "error = ?::jsonb, rationale = ?, assessment_metadata = ?::jsonb, last_updated_timestamp = ? "
                    + "WHERE trace_id = ? AND assessment_id = ?")) {
                ps.setString(1, name);
                ps.setString(2, value.toString());
                ps.setString(3, error == null || error.isNull() ? null : error.toString());
                ps.setString(4, rationale);
                ps.setString(5, meta == null ? null : meta.toString());
                ps.setLong(6, Math.max(System.currentTimeMillis(), old.lastUpdateTime()));
                ps.setString(7, traceId);
                ps.setString(8, assessmentId);
                ps.executeUpdate();
            }
            return get(c, traceId, assessmentId);
        });
    }

    /** Deletes an assessment (idempotent); an assessment it overrode becomes valid again. */
    public void delete(String traceId, String assessmentId) {
        db.tx(c -> {
            requireTrace(c, traceId);
            String overrides = null;
            boolean found = false;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM assessments WHERE trace_id = ? AND assessment_id = ? "
                    + "RETURNING overrides")) {
                ps.setString(1, traceId);
                ps.setString(2, assessmentId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        found = true;
                        overrides = rs.getString(1);
                    }
                }
            }
            if (found && overrides != null) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE assessments SET valid = TRUE WHERE assessment_id = ?")) {
                    ps.setString(1, overrides);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    static void requireTrace(Connection c, String traceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM trace_info WHERE request_id = ?")) {
            ps.setString(1, traceId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw MlflowException.notFound("Trace with request_id '" + traceId + "' not found");
                }
            }
        }
    }

    static JsonNode node(JsonNode o, String snake, String camel) {
        JsonNode n = o.get(snake);
        if (n == null) {
            n = o.get(camel);
        }
        return n == null || n.isNull() ? null : n;
    }

    static String text(JsonNode o, String snake, String camel) {
        JsonNode n = node(o, snake, camel);
        if (n == null) {
            return null;
        }
        if (!n.isValueNode()) {
            throw MlflowException.invalidParameter("Invalid value for parameter '" + snake + "': expected a string");
        }
        return n.asText();
    }

}

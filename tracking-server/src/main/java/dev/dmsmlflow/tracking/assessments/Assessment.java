package dev.dmsmlflow.tracking.assessments;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.traces.ProtoTime;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A feedback, expectation or issue reference on a trace, as stored; {@code value} is the kind's protobuf JSON. */
public record Assessment(String assessmentId, String traceId, String name, String kind, JsonNode value, JsonNode error,
                         long createTime, long lastUpdateTime, String sourceType, String sourceId, String runId,
                         String spanId, String rationale, String overrides, boolean valid, JsonNode metadata) {

    static final String COLUMNS = "assessment_id, trace_id, name, assessment_type, value::text, error::text, "
            + "created_timestamp, last_updated_timestamp, source_type, source_id, run_id, span_id, rationale, overrides, "
            + "valid, assessment_metadata::text";

    public static Assessment read(ResultSet rs) throws SQLException {
        return new Assessment(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                tree(rs.getString(5)), tree(rs.getString(6)), rs.getLong(7), rs.getLong(8), rs.getString(9),
                rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14),
                rs.getBoolean(15), tree(rs.getString(16)));
    }

    private static JsonNode tree(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            return null;
        }
    }

    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("assessment_id", assessmentId);
        g.writeStringField("assessment_name", name);
        g.writeStringField("trace_id", traceId);
        Json.str(g, "span_id", spanId);
        g.writeObjectFieldStart("source");
        g.writeStringField("source_type", sourceType);
        Json.str(g, "source_id", sourceId);
        g.writeEndObject();
        g.writeStringField("create_time", ProtoTime.timestamp(createTime));
        g.writeStringField("last_update_time", ProtoTime.timestamp(lastUpdateTime));
        if (value != null) {
            g.writeFieldName(kind);
            g.writeTree(value);
        }
        Json.str(g, "rationale", rationale);
        if (error != null && !error.isNull()) {
            g.writeFieldName("error");
            g.writeTree(error);
        }
        if (metadata != null && metadata.isObject() && !metadata.isEmpty()) {
            g.writeFieldName("metadata");
            g.writeTree(metadata);
        }
        Json.str(g, "overrides", overrides);
        g.writeBooleanField("valid", valid);
        g.writeEndObject();
    }
}

package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.http.Json;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Span attributes are stored as Python's json.dumps would write them; the stored span is MLflow's span dictionary. */
class SpanEncodingTest {
    @Test
    void floatsAndStringsAreWrittenAsPythonWritesThem() {
        assertEquals("2.5", PyJson.dbl(2.5));
        assertEquals("1.0", PyJson.dbl(1.0));
        assertEquals("0.0001", PyJson.dbl(0.0001));
        assertEquals("1e-05", PyJson.dbl(0.00001));
        assertEquals("1e+16", PyJson.dbl(1e16));
        assertEquals("1234567890123456.0", PyJson.dbl(1234567890123456.0));
        assertEquals("-3.5e+20", PyJson.dbl(-3.5e20));
        assertEquals("NaN", PyJson.dbl(Double.NaN));
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("q", "naïve \"quote\"\n");
        o.putArray("l").add(1).add(true).addNull();
        assertEquals("{\"q\": \"naïve \\\"quote\\\"\\n\", \"l\": [1, true, null]}", PyJson.dump(o));
    }

    @Test
    void contentIsMlflowsSpanDictionary() throws Exception {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("mlflow.spanType", "\"LLM\"");
        attrs.put("mlflow.spanInputs", "{\"x\": 1}");
        SpanRecord s = new SpanRecord("0102030405060708090a0b0c0d0e0f10", "1112131415161718", null, "root",
                1000L, 2000L, SpanRecord.STATUS_OK, null, attrs, List.of());
        var n = Json.MAPPER.readTree(s.content());
        assertEquals("AQIDBAUGBwgJCgsMDQ4PEA==", n.get("trace_id").asText());
        assertEquals("ERITFBUWFxg=", n.get("span_id").asText());
        assertEquals(true, n.get("parent_span_id").isNull());
        assertEquals("STATUS_CODE_OK", n.get("status").get("code").asText());
        assertEquals("\"tr-0102030405060708090a0b0c0d0e0f10\"", n.get("attributes").get("mlflow.traceRequestId").asText());
        assertEquals("{\"x\": 1}", n.get("attributes").get("mlflow.spanInputs").asText());
        assertEquals("LLM", s.spanType());
        assertEquals("tr-0102030405060708090a0b0c0d0e0f10", s.mlflowTraceId());
    }
}

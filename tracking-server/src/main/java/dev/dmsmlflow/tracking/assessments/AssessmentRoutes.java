package dev.dmsmlflow.tracking.assessments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.HashSet;
import java.util.Set;

/** Assessments (log_feedback, log_expectation, get/update/delete) under /api/3.0/mlflow/traces/{id}/assessments. */
@ApplicationScoped
public class AssessmentRoutes implements RouteProvider {
    @Inject
    AssessmentStore store;

    private static void v3(Routes r, HttpMethod m, String path, dev.dmsmlflow.tracking.http.Endpoint e) {
        r.absolute(m, "/api/3.0/mlflow/" + path, e);
        r.absolute(m, "/ajax-api/3.0/mlflow/" + path, e);
    }

    @Override
    public void register(Routes r) {
        v3(r, HttpMethod.POST, "traces/:trace_id/assessments", req -> {
            String traceId = req.pathParam("trace_id");
            Fields a = req.object("assessment");
            if (a == null) {
                throw MlflowException.missing("assessment");
            }
            return body(store.create(traceId, a.jsonObject()));
        });
        v3(r, HttpMethod.GET, "traces/:trace_id/assessments/:assessment_id",
                req -> body(store.get(req.pathParam("trace_id"), req.pathParam("assessment_id"))));
        v3(r, HttpMethod.PATCH, "traces/:trace_id/assessments/:assessment_id", this::update);
        v3(r, HttpMethod.DELETE, "traces/:trace_id/assessments/:assessment_id", req -> {
            store.delete(req.pathParam("trace_id"), req.pathParam("assessment_id"));
            return JsonBody.EMPTY;
        });
    }

    private JsonBody update(MlflowRequest req) {
        Fields a = req.object("assessment");
        if (a == null) {
            throw MlflowException.missing("assessment");
        }
        Set<String> mask = new HashSet<>();
        JsonNode m = req.fields().jsonObject() == null ? null : req.fields().jsonObject().get("update_mask");
        if (m == null && req.fields().jsonObject() != null) {
            m = req.fields().jsonObject().get("updateMask");
        }
        if (m != null && !m.isNull()) {
            String paths = m.isTextual() ? m.textValue() : m.path("paths").isArray() ? String.join(",",
                    iter(m.path("paths"))) : m.asText();
            for (String p : paths.split(",")) {
                String s = p.trim();
                if (!s.isEmpty()) {
                    mask.add(snake(s));
                }
            }
        }
        return body(store.update(req.pathParam("trace_id"), req.pathParam("assessment_id"), a.jsonObject(), mask));
    }

    private static java.util.List<String> iter(JsonNode arr) {
        java.util.List<String> out = new java.util.ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static JsonBody body(Assessment a) {
        return JsonBody.field("assessment", a::write);
    }
}

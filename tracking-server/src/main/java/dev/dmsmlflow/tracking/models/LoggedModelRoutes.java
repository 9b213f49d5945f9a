package dev.dmsmlflow.tracking.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import dev.dmsmlflow.tracking.models.LoggedModelSearch.DatasetFilter;
import dev.dmsmlflow.tracking.models.LoggedModelSearch.OrderBy;
import dev.dmsmlflow.tracking.models.LoggedModelStore.KeyValue;
import dev.dmsmlflow.tracking.validation.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The MLflow 3 logged-models API: {@code POST logged-models}, {@code GET|PATCH|DELETE logged-models/{id}},
 * {@code POST logged-models/search}, {@code PATCH logged-models/{id}/tags},
 * {@code DELETE logged-models/{id}/tags/{key}}, {@code POST logged-models/{id}/params}.
 * ({@code GET logged-models/{id}/artifacts/directories} needs the artifact store and lives with it.)
 */
@ApplicationScoped
public class LoggedModelRoutes implements RouteProvider {
    static final int MAX_NAME_LENGTH = 500;
    static final int MAX_PARAMS_PER_REQUEST = 1000;
    static final int MAX_TAGS_PER_REQUEST = 1000;
    private static final String BAD_NAME_CHARS = "('/', ':', '.', '%', '\"', \"'\")";
    private static final Pattern MODEL_ID = Pattern.compile("^[A-Za-z0-9][\\w\\-]{0,63}$");

    @Inject
    LoggedModelStore store;
    @Inject
    LoggedModelSearch search;

    @Override
    public void register(Routes r) {
        r.post("logged-models", this::create);
        r.post("logged-models/search", this::search);
        r.get("logged-models/:model_id", req -> model(store.get(modelId(req))));
        r.patch("logged-models/:model_id", this::finalizeModel);
        r.delete("logged-models/:model_id", req -> {
            store.delete(modelId(req));
            return JsonBody.EMPTY;
        });
        r.patch("logged-models/:model_id/tags", req -> {
            String id = modelId(req);
            store.setTags(id, tags(req.fields()));
            return JsonBody.EMPTY;
        });
        r.delete("logged-models/:model_id/tags/:tag_key", req -> {
            String id = modelId(req);
            String key = req.pathParam("tag_key");
            if (key == null || key.isEmpty()) {
                throw MlflowException.missing("tag_key");
            }
            store.deleteTag(id, key);
            return JsonBody.EMPTY;
        });
        r.post("logged-models/:model_id/params", req -> {
            String id = modelId(req);
            store.logParams(id, params(req.fields()));
            return JsonBody.EMPTY;
        });
    }

    static JsonBody model(LoggedModel m) {
        return JsonBody.field("model", m::write);
    }

    /** The model id from the path; ids that cannot exist are simply not found. */
    private static String modelId(MlflowRequest req) {
        String id = req.pathParam("model_id");
        if (id == null || !MODEL_ID.matcher(id).matches()) {
            throw LoggedModelStore.notFound(String.valueOf(id));
        }
        return id;
    }

    private JsonBody create(MlflowRequest req) {
        String experimentId = req.requiredString("experiment_id");
        String name = req.string("name");
        if (name != null && name.isEmpty()) {
            name = null;
        }
        validateName(name);
        String modelType = emptyToNull(req.string("model_type"));
        Validation.length("Model type", MAX_NAME_LENGTH, modelType);
        String sourceRunId = emptyToNull(req.string("source_run_id"));
        if (sourceRunId != null) {
            Validation.runId(sourceRunId);
        }
        List<KeyValue> params = params(req.fields());
        List<KeyValue> tags = tags(req.fields());
        return model(store.create(experimentId, name, modelType, sourceRunId, params, tags));
    }

    static void validateName(String name) {
        if (name == null) {
            return;
        }
        for (char c : new char[]{'/', ':', '.', '%', '"', '\''}) {
            if (name.indexOf(c) >= 0) {
                throw MlflowException.invalidParameter("Invalid model name ('" + Validation.truncate(name) + "') provided. "
                        + "Model name must be a non-empty string and cannot contain the following characters: " + BAD_NAME_CHARS);
            }
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw MlflowException.invalidParameter("Model name '" + Validation.truncate(name) + "' had length " + name.length()
                    + ", which exceeded length limit of " + MAX_NAME_LENGTH);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static List<KeyValue> params(Fields f) {
        List<Fields> items = f.objects("params");
        Validation.batchLimit("params", MAX_PARAMS_PER_REQUEST, items.size());
        List<KeyValue> out = new ArrayList<>(items.size());
        for (Fields p : items) {
            String key = p.string("key");
            String value = p.string("value");
            Validation.key("Param", key);
            if (value == null) {
                value = "";
            }
            // no length limit: upstream keeps logged model params in a TEXT column, unchecked
            out.add(new KeyValue(key, value));
        }
        return out;
    }

    static List<KeyValue> tags(Fields f) {
        List<Fields> items = f.objects("tags");
        Validation.batchLimit("tags", MAX_TAGS_PER_REQUEST, items.size());
        List<KeyValue> out = new ArrayList<>(items.size());
        for (Fields t : items) {
            String key = t.string("key");
            String value = t.string("value");
            Validation.key("Tag", key);
            if (value == null) {
                value = "";
            }
            Validation.length("Tag value", Validation.MAX_TAG_VAL_LENGTH, value);
            out.add(new KeyValue(key, value));
        }
        return out;
    }

    private JsonBody finalizeModel(MlflowRequest req) {
        String id = modelId(req);
        String status = status(req.fields());
        return model(store.finalizeModel(id, status));
    }

    /** The status enum by name ({@code LOGGED_MODEL_READY}) or number (2). */
    static String status(Fields f) {
        String text;
        if (f.jsonObject() != null) {
            JsonNode n = f.jsonObject().get("status");
            if (n == null || n.isNull()) {
                throw MlflowException.missing("status");
            }
            if (n.isIntegralNumber()) {
                text = n.asText();
            } else if (n.isTextual()) {
                text = n.textValue();
            } else {
                throw MlflowException.invalidParameter("Invalid value " + n + " for parameter 'status' supplied.");
            }
        } else {
            text = f.string("status");
            if (text == null) {
                throw MlflowException.missing("status");
            }
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        switch (s) {
            case "1", "LOGGED_MODEL_PENDING", "PENDING":
                return "LOGGED_MODEL_PENDING";
            case "2", "LOGGED_MODEL_READY", "READY":
                return "LOGGED_MODEL_READY";
            case "3", "LOGGED_MODEL_UPLOAD_FAILED", "UPLOAD_FAILED":
                return "LOGGED_MODEL_UPLOAD_FAILED";
            default:
                throw MlflowException.invalidParameter("Invalid value '" + Validation.truncate(text) + "' for parameter 'status': "
                        + "expected one of LOGGED_MODEL_PENDING, LOGGED_MODEL_READY, LOGGED_MODEL_UPLOAD_FAILED.");
        }
    }

    private JsonBody search(MlflowRequest req) {
        List<String> experimentIds = req.strings("experiment_ids");
        // Required, but an explicit empty list is a scope (clients from 3.18 send `[]` as given, upstream finds nothing
        // in it); only an absent field is an error.
        if (experimentIds.isEmpty() && !req.has("experiment_ids")) {
            throw MlflowException.missing("experiment_ids");
        }
        String filter = req.string("filter");
        Long max = req.int64("max_results");
        int maxResults = max == null ? LoggedModelSearch.DEFAULT_MAX_RESULTS
                : Validation.maxResults(max, LoggedModelSearch.MAX_RESULTS_LIMIT);
        List<DatasetFilter> datasets = new ArrayList<>();
        for (Fields d : req.objects("datasets")) {
            String dn = d.string("dataset_name");
            if (dn == null || dn.isEmpty()) {
                throw MlflowException.invalidParameter("`dataset_name` in the `datasets` clause must be specified.");
            }
            datasets.add(new DatasetFilter(dn, emptyToNull(d.string("dataset_digest"))));
        }
        List<OrderBy> orderBy = new ArrayList<>();
        for (Fields o : req.objects("order_by")) {
            orderBy.add(new OrderBy(o.string("field_name"), o.bool("ascending", true),
                    emptyToNull(o.string("dataset_name")), emptyToNull(o.string("dataset_digest"))));
        }
        LoggedModelSearch.Page page = search.search(experimentIds, filter, datasets, maxResults, orderBy, req.string("page_token"));
        return g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("models");
            for (LoggedModel m : page.models()) {
                m.write(g);
            }
            g.writeEndArray();
            if (page.nextPageToken() != null) {
                g.writeStringField("next_page_token", page.nextPageToken());
            }
            g.writeEndObject();
        };
    }
}

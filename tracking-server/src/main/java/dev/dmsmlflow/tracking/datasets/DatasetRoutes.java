package dev.dmsmlflow.tracking.datasets;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.http.Endpoint;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import dev.dmsmlflow.tracking.traces.PyJson;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GenAI evaluation datasets under /api/3.0/mlflow/datasets (and /ajax-api/3.0/...). */
@ApplicationScoped
public class DatasetRoutes implements RouteProvider {
    static final int MAX_NAME = 255;
    static final int SEARCH_DEFAULT_MAX = 1000;
    static final int SEARCH_MAX = 50_000;
    static final int RECORDS_DEFAULT_MAX = 1000;

    @Inject
    DatasetStore store;

    private static void v3(Routes r, HttpMethod m, String path, Endpoint e) {
        r.absolute(m, "/api/3.0/mlflow/" + path, e);
        r.absolute(m, "/ajax-api/3.0/mlflow/" + path, e);
    }

    @Override
    public void register(Routes r) {
        v3(r, HttpMethod.POST, "datasets/create", this::create);
        v3(r, HttpMethod.POST, "datasets/search", this::search);
        v3(r, HttpMethod.GET, "datasets/search", this::search);
        v3(r, HttpMethod.GET, "datasets/:dataset_id", req -> dataset(store.get(req.pathParam("dataset_id"))));
        v3(r, HttpMethod.DELETE, "datasets/:dataset_id", req -> {
            store.delete(req.pathParam("dataset_id"));
            return JsonBody.EMPTY;
        });
        v3(r, HttpMethod.POST, "datasets/:dataset_id/records", this::upsertRecords);
        v3(r, HttpMethod.GET, "datasets/:dataset_id/records", this::records);
        v3(r, HttpMethod.DELETE, "datasets/:dataset_id/records", req -> {
            List<String> ids = req.strings("dataset_record_ids");
            if (ids.isEmpty()) {
                throw MlflowException.missing("dataset_record_ids");
            }
            int n = store.deleteRecords(req.pathParam("dataset_id"), ids);
            return g -> {
                g.writeStartObject();
                g.writeNumberField("deleted_count", n);
                g.writeEndObject();
            };
        });
        v3(r, HttpMethod.PATCH, "datasets/:dataset_id/tags", req -> {
            store.setTags(req.pathParam("dataset_id"), tags(req.string("tags"), true));
            return JsonBody.EMPTY;
        });
        v3(r, HttpMethod.DELETE, "datasets/:dataset_id/tags/:key", req -> {
            store.deleteTag(req.pathParam("dataset_id"), req.pathParam("key"));
            return JsonBody.EMPTY;
        });
        v3(r, HttpMethod.GET, "datasets/:dataset_id/experiment-ids", req -> {
            List<String> ids = store.get(req.pathParam("dataset_id")).experimentIds();
            return g -> {
                g.writeStartObject();
                if (!ids.isEmpty()) {
                    g.writeArrayFieldStart("experiment_ids");
                    for (String id : ids) {
                        g.writeString(id);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            };
        });
        v3(r, HttpMethod.POST, "datasets/:dataset_id/add-experiments", req -> dataset(store.addExperiments(
                req.pathParam("dataset_id"), required(req.strings("experiment_ids")), true)));
        v3(r, HttpMethod.POST, "datasets/:dataset_id/remove-experiments", req -> dataset(store.addExperiments(
                req.pathParam("dataset_id"), required(req.strings("experiment_ids")), false)));
    }

    private static List<String> required(List<String> ids) {
        if (ids.isEmpty()) {
            throw MlflowException.missing("experiment_ids");
        }
        return ids;
    }

    private JsonBody create(MlflowRequest req) {
        String name = req.requiredString("name");
        if (name.length() > MAX_NAME) {
            throw MlflowException.invalidParameter("Dataset name must be at most " + MAX_NAME + " characters");
        }
        Map<String, String> tags = tags(req.string("tags"), false);
        return dataset(store.create(name, tags, req.strings("experiment_ids")));
    }

    /** Tags travel as the JSON text of an object; values become strings (null deletes when allowed). */
    static Map<String, String> tags(String json, boolean allowNull) {
        Map<String, String> out = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw MlflowException.invalidParameter("Invalid value for parameter 'tags': not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw MlflowException.invalidParameter("Invalid value for parameter 'tags': expected a JSON object");
        }
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) {
                if (allowNull) {
                    out.put(e.getKey(), null);
                }
            } else {
                out.put(e.getKey(), v.isTextual() ? v.textValue() : v.toString());
            }
        });
        return out;
    }

    private JsonBody search(MlflowRequest req) {
        long max = req.int64("max_results", SEARCH_DEFAULT_MAX);
        if (max < 1 || max > SEARCH_MAX) {
            throw MlflowException.invalidParameter("Invalid value " + max + " for parameter 'max_results': it must be "
                    + "between 1 and " + SEARCH_MAX);
        }
        DatasetStore.Page<DatasetStore.Dataset> page = store.search(req.strings("experiment_ids"), req.string("filter_string"),
                (int) max, req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.items().isEmpty()) {
                g.writeArrayFieldStart("datasets");
                for (DatasetStore.Dataset d : page.items()) {
                    write(g, d);
                }
                g.writeEndArray();
            }
            Json.str(g, "next_page_token", page.nextPageToken());
            g.writeEndObject();
        };
    }

    private JsonBody upsertRecords(MlflowRequest req) {
        String raw = req.string("records");
        if (raw == null) {
            throw MlflowException.missing("records");
        }
        JsonNode records;
        try {
            records = Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            throw MlflowException.invalidParameter("Invalid value for parameter 'records': not valid JSON");
        }
        if (records == null) {
            throw MlflowException.missing("records");
        }
        int[] counts = store.upsertRecords(req.pathParam("dataset_id"), records);
        return g -> {
            g.writeStartObject();
            g.writeNumberField("inserted_count", counts[0]);
            g.writeNumberField("updated_count", counts[1]);
            g.writeEndObject();
        };
    }

    private JsonBody records(MlflowRequest req) {
        long max = req.int64("max_results", RECORDS_DEFAULT_MAX);
        if (max < 1 || max > SEARCH_MAX) {
            throw MlflowException.invalidParameter("Invalid value " + max + " for parameter 'max_results'");
        }
        DatasetStore.Page<String> page = store.records(req.pathParam("dataset_id"), (int) max, req.string("page_token"));
        return g -> {
            g.writeStartObject();
            g.writeStringField("records", page.items().get(0));
            Json.str(g, "next_page_token", page.nextPageToken());
            g.writeEndObject();
        };
    }

    static JsonBody dataset(DatasetStore.Dataset d) {
        return g -> {
            g.writeStartObject();
            g.writeFieldName("dataset");
            write(g, d);
            g.writeEndObject();
        };
    }

    static void write(JsonGenerator g, DatasetStore.Dataset d) throws IOException {
        g.writeStartObject();
        g.writeStringField("dataset_id", d.id());
        g.writeStringField("name", d.name());
        ObjectNode tags = JsonNodeFactory.instance.objectNode();
        d.tags().forEach(tags::put);
        g.writeStringField("tags", PyJson.dump(tags));
        Json.str(g, "schema", d.schema());
        Json.str(g, "profile", d.profile());
        Json.str(g, "digest", d.digest());
        g.writeNumberField("created_time", d.createdTime());
        g.writeNumberField("last_update_time", d.lastUpdateTime());
        Json.str(g, "created_by", d.createdBy());
        Json.str(g, "last_updated_by", d.lastUpdatedBy());
        if (!d.experimentIds().isEmpty()) {
            g.writeArrayFieldStart("experiment_ids");
            for (String e : d.experimentIds()) {
                g.writeString(e);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }
}

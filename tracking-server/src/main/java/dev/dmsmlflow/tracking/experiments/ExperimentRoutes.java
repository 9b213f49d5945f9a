package dev.dmsmlflow.tracking.experiments;

import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import dev.dmsmlflow.tracking.validation.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;

/** The experiments API: create, get, get-by-name, search, update, delete, restore, experiment tags. */
@ApplicationScoped
public class ExperimentRoutes implements RouteProvider {
    @Inject
    ExperimentStore store;
    @Inject
    dev.dmsmlflow.tracking.artifacts.ArtifactStores artifactStores;

    @Override
    public void register(Routes r) {
        r.post("experiments/create", this::create);
        r.get("experiments/get", req -> experiment(store.get(req.requiredString("experiment_id"))));
        r.get("experiments/get-by-name", req -> experiment(store.getByName(req.requiredString("experiment_name"))));
        r.get("experiments/search", this::search);
        r.post("experiments/search", this::search);
        r.post("experiments/update", this::update);
        r.post("experiments/delete", req -> {
            store.setLifecycle(req.requiredString("experiment_id"), true);
            return JsonBody.EMPTY;
        });
        r.post("experiments/restore", req -> {
            store.setLifecycle(req.requiredString("experiment_id"), false);
            return JsonBody.EMPTY;
        });
        r.post("experiments/set-experiment-tag", this::setTag);
        r.post("experiments/delete-experiment-tag", req -> {
            String id = req.requiredString("experiment_id");
            String key = req.requiredString("key");
            store.deleteTag(id, key);
            return JsonBody.EMPTY;
        });
    }

    private static JsonBody experiment(Experiment e) {
        return JsonBody.field("experiment", e::write);
    }

    private JsonBody create(MlflowRequest req) {
        String name = req.string("name");
        if (name == null || name.isEmpty()) {
            throw MlflowException.missing("name");
        }
        Validation.experimentName(name);
        String location = req.string("artifact_location");
        if (location != null && location.startsWith("runs:")) {
            throw MlflowException.invalidParameter("Artifact location cannot be a runs:/ URI. Given: '" + location + "'");
        }
        if (location != null) {
            Validation.length("Artifact location", 2000, location);
            artifactStores.requireInsideRoot(location, "artifact_location");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (Fields t : req.objects("tags")) {
            String key = t.string("key");
            String value = t.string("value");
            validateTag(key, value);
            tags.put(key, value == null ? "" : value);
        }
        long id = store.create(name, location == null || location.isEmpty() ? null : location, tags);
        String sid = Long.toString(id);
        return g -> {
            g.writeStartObject();
            g.writeStringField("experiment_id", sid);
            g.writeEndObject();
        };
    }

    static void validateTag(String key, String value) {
        Validation.key("Tag", key);
        Validation.length("Tag value", Validation.MAX_EXPERIMENT_TAG_VAL_LENGTH, value);
    }

    private JsonBody search(MlflowRequest req) {
        int max = Validation.maxResults(req.int64("max_results", 1000), Validation.MAX_EXPERIMENTS_PER_SEARCH);
        ExperimentStore.Page page = store.search(ExperimentStore.ViewType.parse(req.string("view_type")), max,
                req.string("filter"), req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.experiments().isEmpty()) {
                g.writeArrayFieldStart("experiments");
                for (Experiment e : page.experiments()) {
                    e.write(g);
                }
                g.writeEndArray();
            }
            if (page.nextPageToken() != null) {
                g.writeStringField("next_page_token", page.nextPageToken());
            }
            g.writeEndObject();
        };
    }

    private JsonBody update(MlflowRequest req) {
        String id = req.requiredString("experiment_id");
        String newName = req.string("new_name");
        if (newName != null) {
            Validation.experimentName(newName);
            store.rename(id, newName);
        } else {
            store.get(id);
        }
        return JsonBody.EMPTY;
    }

    private JsonBody setTag(MlflowRequest req) {
        String id = req.requiredString("experiment_id");
        String key = req.requiredString("key");
        String value = req.string("value");
        validateTag(key, value);
        store.setTag(id, key, value == null ? "" : value);
        return JsonBody.EMPTY;
    }
}

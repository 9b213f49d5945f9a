package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.experiments.ExperimentStore.ViewType;
import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import dev.dmsmlflow.tracking.runs.Run.Metric;
import dev.dmsmlflow.tracking.validation.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The runs API: lifecycle, params, tags, metrics (history, bulk interval), inputs/outputs and search. */
@ApplicationScoped
public class RunRoutes implements RouteProvider {
    static final Set<String> STATUSES = Set.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED");
    static final int MAX_HISTORY_PAGE = 25_000;
    static final int MAX_RESULTS_PER_RUN = 2_500;
    static final int MAX_RUNS_BULK = 100;

    @Inject
    RunStore store;
    @Inject
    RunSearch search;

    @Override
    public void register(Routes r) {
        r.post("runs/create", this::create);
        r.get("runs/get", req -> {
            Run run = store.get(runId(req));
            return JsonBody.field("run", run::write);
        });
        r.post("runs/update", this::update);
        r.post("runs/delete", req -> {
            store.setLifecycle(runId(req), true);
            return JsonBody.EMPTY;
        });
        r.post("runs/restore", req -> {
            store.setLifecycle(runId(req), false);
            return JsonBody.EMPTY;
        });
        r.post("runs/log-metric", this::logMetric);
        r.post("runs/log-parameter", this::logParam);
        r.post("runs/set-tag", this::setTag);
        r.post("runs/delete-tag", req -> {
            String runId = runId(req);
            String key = req.requiredString("key");
            store.deleteTag(runId, key);
            return JsonBody.EMPTY;
        });
        r.post("runs/log-batch", this::logBatch);
        r.post("runs/log-inputs", this::logInputs);
        r.post("runs/outputs", this::logOutputs);
        r.post("runs/log-model", this::logModel);
        r.post("runs/search", this::search);
        r.get("runs/search", this::search);
        r.get("metrics/get-history", this::history);
        r.get("metrics/get-history-bulk", this::historyBulk);
        r.get("metrics/get-history-bulk-interval", this::historyBulkInterval);
    }

    /** run_id, falling back to the deprecated run_uuid. */
    static String runId(MlflowRequest req) {
        String id = req.string("run_id");
        if (id == null || id.isEmpty()) {
            id = req.string("run_uuid");
        }
        if (id == null || id.isEmpty()) {
            throw MlflowException.missing("run_id");
        }
        return id;
    }

    private JsonBody create(MlflowRequest req) {
        Map<String, String> tags = tags(req.objects("tags"));
        String runName = req.string("run_name");
        if (runName != null) {
            Validation.length("Run name", 250, runName);
        }
        String experimentId = req.string("experiment_id");
        Validation.length("User id", 256, req.string("user_id"));
        Run run = store.create(experimentId, req.string("user_id"), req.int64("start_time"), runName, tags);
        return JsonBody.field("run", run::write);
    }

    private static Map<String, String> tags(List<Fields> list) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Fields t : list) {
            String key = t.string("key");
            String value = Validation.truncateToLimit(Validation.MAX_TAG_VAL_LENGTH, t.string("value"));
            validateTag(key, value);
            tags.put(key, value == null ? "" : value);
        }
        return tags;
    }

    static void validateTag(String key, String value) {
        Validation.key("Tag", key);
        Validation.length("Tag value", Validation.MAX_TAG_VAL_LENGTH, value);
    }

    private JsonBody update(MlflowRequest req) {
        String runId = runId(req);
        String status = req.string("status");
        if (status != null && !STATUSES.contains(status)) {
            throw MlflowException.invalidParameter("Invalid value '" + status + "' for parameter 'status': expected one of " + new TreeSet<>(STATUSES));
        }
        String runName = req.string("run_name");
        if (runName != null) {
            Validation.length("Run name", 250, runName);
        }
        Run.Info info = store.update(runId, status, req.int64("end_time"), runName);
        return JsonBody.field("run_info", info::write);
    }

    private static Metric metric(Fields f) {
        return metric(f, null);
    }

    /** {@code validKeys}: keys already validated in this request (a batch repeats a few keys many times), or null. */
    private static Metric metric(Fields f, Set<String> validKeys) {
        String key = f.string("key");
        if (validKeys == null || key == null || !validKeys.contains(key)) {
            Validation.key("Metric", key);
            if (validKeys != null) {
                validKeys.add(key);
            }
        }
        Double value = f.dbl("value");
        if (value == null) {
            throw MlflowException.missing("value");
        }
        Long ts = f.int64("timestamp");
        if (ts == null) {
            throw MlflowException.missing("timestamp");
        }
        if (ts < 0) {
            throw MlflowException.invalidParameter("Got invalid timestamp " + ts + " for metric '" + key + "' (value=" + value
                    + "). Timestamp must be a nonnegative long (64-bit integer) ");
        }
        long step = f.int64("step", 0);
        String datasetName = f.string("dataset_name");
        String datasetDigest = f.string("dataset_digest");
        Validation.length("Dataset name", 500, datasetName);
        Validation.length("Dataset digest", 36, datasetDigest);
        String modelId = f.string("model_id");
        Validation.length("Model id", 64, modelId);
        return new Metric(key, value, ts, step, modelId, datasetName, datasetDigest);
    }

    private JsonBody logMetric(MlflowRequest req) {
        String runId = runId(req);
        store.logMetric(runId, metric(req.fields()));
        return JsonBody.EMPTY;
    }

    private static RunStore.Param param(Fields f) {
        String key = f.string("key");
        Validation.key("Param", key);
        String value = f.string("value");
        if (value == null) {
            throw MlflowException.missing("value");
        }
        return new RunStore.Param(key, Validation.truncateToLimit(Validation.MAX_PARAM_VAL_LENGTH, value));
    }

    private JsonBody logParam(MlflowRequest req) {
        String runId = runId(req);
        RunStore.Param p = param(req.fields());
        store.logParam(runId, p.key(), p.value());
        return JsonBody.EMPTY;
    }

    private JsonBody setTag(MlflowRequest req) {
        String runId = runId(req);
        String key = req.string("key");
        String value = Validation.truncateToLimit(Validation.MAX_TAG_VAL_LENGTH, req.string("value"));
        validateTag(key, value);
        store.setTag(runId, key, value == null ? "" : value);
        return JsonBody.EMPTY;
    }

    /**
     * {@code runs/log-model}, which MLflow 2 clients call from every {@code log_model}: the model's summary (its run,
     * artifact path, creation time, uuid, and each flavor without its "config") is appended to the run's tag
     * {@code mlflow.log-model.history}, from which the MLflow 2 UI lists a run's models.
     */
    private JsonBody logModel(MlflowRequest req) {
        String runId = req.requiredString("run_id");
        String modelJson = req.requiredString("model_json");
        JsonNode model;
        try {
            model = Json.MAPPER.readTree(modelJson);
        } catch (IOException e) {
            model = null;
        }
        if (model == null || !model.isObject()) {
            throw MlflowException.invalidParameter("Malformed model info: 'model_json' is not a JSON object.");
        }
        List<String> missing = new ArrayList<>();
        for (String field : List.of("artifact_path", "flavors", "run_id", "utc_time_created")) {
            if (!model.has(field)) {
                missing.add(field);
            }
        }
        if (!missing.isEmpty()) {
            throw MlflowException.invalidParameter("Model json is missing mandatory fields: " + missing);
        }
        JsonNode flavors = model.get("flavors");
        if (!flavors.isObject()) {
            throw MlflowException.invalidParameter("The 'flavors' of 'model_json' must be an object.");
        }
        ObjectNode entry = Json.MAPPER.createObjectNode();
        for (String field : List.of("run_id", "artifact_path", "utc_time_created", "model_uuid")) {
            if (model.has(field)) {
                entry.set(field, model.get(field));
            }
        }
        ObjectNode summary = entry.putObject("flavors");
        flavors.fields().forEachRemaining(f -> {
            JsonNode config = f.getValue();
            if (config.isObject()) {
                config = ((ObjectNode) config).deepCopy();
                ((ObjectNode) config).remove("config");
            }
            summary.set(f.getKey(), config);
        });
        store.recordLoggedModel(runId, entry);
        return JsonBody.EMPTY;
    }

    private JsonBody logBatch(MlflowRequest req) {
        String runId = runId(req);
        List<Fields> metricFields = req.objects("metrics");
        List<Fields> paramFields = req.objects("params");
        List<Fields> tagFields = req.objects("tags");
        Validation.batchLimit("metrics", Validation.MAX_METRICS_PER_BATCH, metricFields.size());
        Validation.batchLimit("params", Validation.MAX_PARAMS_TAGS_PER_BATCH, paramFields.size());
        Validation.batchLimit("tags", Validation.MAX_PARAMS_TAGS_PER_BATCH, tagFields.size());
        Validation.batchLimit("metrics, params, and tags", Validation.MAX_ENTITIES_PER_BATCH,
                metricFields.size() + paramFields.size() + tagFields.size());
        List<Metric> metrics = new ArrayList<>(metricFields.size());
        Set<String> validKeys = new HashSet<>();
        for (Fields f : metricFields) {
            metrics.add(metric(f, validKeys));
        }
        List<RunStore.Param> params = new ArrayList<>(paramFields.size());
        Set<String> keys = new HashSet<>();
        List<String> dupes = new ArrayList<>();
        for (Fields f : paramFields) {
            RunStore.Param p = param(f);
            if (!keys.add(p.key())) {
                dupes.add(p.key());
            }
            params.add(p);
        }
        if (!dupes.isEmpty()) {
            throw MlflowException.invalidParameter("Duplicate parameter keys have been submitted: " + dupes
                    + ". Please ensure the request contains only one param value per param key.");
        }
        store.logBatch(runId, metrics, params, tags(tagFields));
        return JsonBody.EMPTY;
    }

    private JsonBody logInputs(MlflowRequest req) {
        String runId = runId(req);
        List<Run.DatasetInput> datasets = new ArrayList<>();
        for (Fields di : req.objects("datasets")) {
            Fields d = di.object("dataset");
            if (d == null) {
                throw MlflowException.missing("dataset");
            }
            String name = d.requiredString("name");
            String digest = d.requiredString("digest");
            String sourceType = d.requiredString("source_type");
            String source = d.requiredString("source");
            Validation.length("Dataset name", 500, name);
            Validation.length("Dataset digest", 36, digest);
            Validation.length("Dataset source type", 36, sourceType);
            Validation.length("Dataset source", 65535, source);
            String schema = d.string("schema");
            String profile = d.string("profile");
            Validation.length("Dataset schema", 1048575, schema);
            Validation.length("Dataset profile", 16777215, profile);
            Map<String, String> tags = new LinkedHashMap<>();
            for (Fields t : di.objects("tags")) {
                String key = t.requiredString("key");
                String value = t.string("value");
                Validation.length("Input tag key", 255, key);
                Validation.length("Input tag value", 500, value);
                tags.put(key, value == null ? "" : value);
            }
            datasets.add(new Run.DatasetInput(tags, name, digest, sourceType, source, schema, profile));
        }
        List<String> models = new ArrayList<>();
        for (Fields m : req.objects("models")) {
            String id = m.requiredString("model_id");
            Validation.length("Model id", 64, id);
            models.add(id);
        }
        Validation.batchLimit("datasets", 1000, datasets.size());
        store.logInputs(runId, datasets, models);
        return JsonBody.EMPTY;
    }

    private JsonBody logOutputs(MlflowRequest req) {
        String runId = runId(req);
        List<Run.ModelOutput> outputs = new ArrayList<>();
        for (Fields m : req.objects("models")) {
            String id = m.requiredString("model_id");
            Validation.length("Model id", 64, id);
            outputs.add(new Run.ModelOutput(id, m.int64("step", 0)));
        }
        store.logOutputs(runId, outputs);
        return JsonBody.EMPTY;
    }

    private JsonBody search(MlflowRequest req) {
        int max = Validation.maxResults(req.int64("max_results", 1000), Validation.MAX_RUNS_PER_SEARCH);
        ViewType view = ViewType.parse(req.string("run_view_type"));
        RunSearch.Page page = search.search(req.strings("experiment_ids"), req.string("filter"), view, max,
                req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.runs().isEmpty()) {
                g.writeArrayFieldStart("runs");
                for (Run run : page.runs()) {
                    run.write(g);
                }
                g.writeEndArray();
            }
            writeToken(g, page.nextPageToken());
            g.writeEndObject();
        };
    }

    private static void writeToken(JsonGenerator g, String token) throws java.io.IOException {
        if (token != null) {
            g.writeStringField("next_page_token", token);
        }
    }

    private JsonBody history(MlflowRequest req) {
        String runId = runId(req);
        String key = req.requiredString("metric_key");
        Long max = req.int64("max_results");
        Integer pageSize = null;
        if (max != null) {
            if (max < 1) {
                throw MlflowException.invalidParameter("max_results must be a positive integer, got " + max);
            }
            pageSize = (int) Math.min(max, MAX_HISTORY_PAGE);
        }
        String pageToken = req.string("page_token");
        if (pageToken == null && isJavaClient(req)) {
            // org.mlflow:mlflow-client 2.x always asks for 25,000 per page but cannot append a second page
            // to the first (it throws UnsupportedOperationException), so it gets the whole history at once,
            // as upstream 2.x servers (which ignored max_results here) answered.
            pageSize = null;
        }
        RunStore.HistoryPage page = store.history(runId, key, pageSize, pageToken);
        return g -> {
            g.writeStartObject();
            if (!page.metrics().isEmpty()) {
                g.writeArrayFieldStart("metrics");
                for (Metric m : page.metrics()) {
                    m.write(g, null);
                }
                g.writeEndArray();
            }
            writeToken(g, page.nextPageToken());
            g.writeEndObject();
        };
    }

    static boolean isJavaClient(MlflowRequest req) {
        String ua = req.routingContext().request().getHeader("User-Agent");
        return ua != null && ua.startsWith("mlflow-java-client");
    }

    private JsonBody historyBulk(MlflowRequest req) {
        List<String> runIds = req.strings("run_id");
        if (runIds.isEmpty()) {
            throw MlflowException.invalidParameter("GetMetricHistoryBulk request must specify at least one run_id.");
        }
        if (runIds.size() > MAX_RUNS_BULK) {
            throw MlflowException.invalidParameter("GetMetricHistoryBulk request cannot specify more than " + MAX_RUNS_BULK
                    + " run_ids. Received " + runIds.size() + " run_ids.");
        }
        String key = req.string("metric_key");
        if (key == null) {
            throw MlflowException.invalidParameter("GetMetricHistoryBulk request must specify a metric_key.");
        }
        int max = (int) Math.min(Math.max(req.int64("max_results", MAX_HISTORY_PAGE), 1), MAX_HISTORY_PAGE);
        List<String> sorted = new ArrayList<>(new TreeSet<>(runIds));
        List<RunStore.RunMetric> rows = store.historyForRuns(sorted, key, null, max);
        rows.sort((a, b) -> {
            int c = a.runId().compareTo(b.runId());
            if (c != 0) {
                return c;
            }
            c = Long.compare(a.metric().timestamp(), b.metric().timestamp());
            return c != 0 ? c : Long.compare(a.metric().step(), b.metric().step());
        });
        List<RunStore.RunMetric> limited = rows.size() > max ? rows.subList(0, max) : rows;
        return writeRunMetrics(limited);
    }

    private static JsonBody writeRunMetrics(List<RunStore.RunMetric> rows) {
        return g -> {
            g.writeStartObject();
            if (!rows.isEmpty()) {
                g.writeArrayFieldStart("metrics");
                for (RunStore.RunMetric rm : rows) {
                    rm.metric().write(g, rm.runId());
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }

    private JsonBody historyBulkInterval(MlflowRequest req) {
        List<String> runIds = req.strings("run_ids");
        if (runIds.isEmpty()) {
            throw MlflowException.missing("run_ids");
        }
        if (runIds.size() > MAX_RUNS_BULK) {
            throw MlflowException.invalidParameter("GetMetricHistoryBulkInterval request must specify at most " + MAX_RUNS_BULK
                    + " run_ids. Received " + runIds.size() + " run_ids.");
        }
        String key = req.requiredString("metric_key");
        long max = req.int64("max_results", MAX_RESULTS_PER_RUN);
        if (max < 1 || max > MAX_RESULTS_PER_RUN) {
            throw MlflowException.invalidParameter("max_results must be between 1 and " + MAX_RESULTS_PER_RUN + ".");
        }
        Long start = req.int64("start_step");
        Long end = req.int64("end_step");
        if ((start == null) != (end == null)) {
            throw MlflowException.invalidParameter("If either start step or end step are specified, both must be specified.");
        }
        if (start != null && start > end) {
            throw MlflowException.invalidParameter("end_step must be greater than start_step. Found start_step=" + start
                    + " and end_step=" + end + ".");
        }
        RunStore.Steps steps = store.steps(runIds, key);
        List<Long> all = steps.all();
        long lo = start != null ? start : 0;
        long hi = end != null ? end : (all.isEmpty() ? 0 : all.get(all.size() - 1));
        TreeSet<Long> chosen = new TreeSet<>();
        List<Long> inRange = new ArrayList<>();
        for (long s : all) {
            if (s >= lo && s <= hi) {
                inRange.add(s);
            }
        }
        if (inRange.size() <= max) {
            chosen.addAll(inRange);
        } else {
            double interval = (double) inRange.size() / max;
            for (int i = 0; i < max; i++) {
                chosen.add(inRange.get((int) (i * interval)));
            }
            chosen.add(inRange.get(inRange.size() - 1));
        }
        for (long s : steps.minsAndMaxes()) {
            if (s >= lo && s <= hi) {
                chosen.add(s);
            }
        }
        long[] stepArray = chosen.stream().mapToLong(Long::longValue).toArray();
        List<RunStore.RunMetric> rows = stepArray.length == 0 ? List.of()
                : store.historyForRuns(runIds, key, stepArray, MAX_HISTORY_PAGE);
        return writeRunMetrics(rows);
    }
}

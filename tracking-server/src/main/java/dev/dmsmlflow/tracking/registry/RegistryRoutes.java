package dev.dmsmlflow.tracking.registry;

import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import dev.dmsmlflow.tracking.prompts.PromptRules;
import dev.dmsmlflow.tracking.webhooks.RegistryChange;
import dev.dmsmlflow.tracking.validation.Validation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The model registry API: registered models, model versions, tags, aliases, stages and searches. */
@ApplicationScoped
public class RegistryRoutes implements RouteProvider {
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.\\-]*):");
    private static final Pattern LOGGED_MODEL_URI = Pattern.compile("^models:/(m-[0-9a-fA-F]{32})/?$");
    private static final Pattern VERSION_URI = Pattern.compile("^models:/(.+)/(\\d+)/?$");

    @Inject
    RegistryStore store;
    @Inject
    dev.dmsmlflow.tracking.artifacts.ArtifactStores artifactStores;
    @Inject
    RegistrySearch search;
    /** Registry changes for webhooks (package webhooks), fired after each change is committed. */
    @Inject
    jakarta.enterprise.event.Event<RegistryChange> changes;

    @Override
    public void register(Routes r) {
        r.post("registered-models/create", this::createModel);
        r.post("registered-models/rename", req -> {
            String name = modelName(req);
            String newName = req.string("new_name");
            RegistryRules.modelName(newName);
            return registeredModel(store.rename(name, newName));
        });
        r.patch("registered-models/update", req -> {
            String name = modelName(req);
            String description = req.string("description");
            RegistryRules.description(description);
            return registeredModel(store.updateDescription(name, description));
        });
        r.delete("registered-models/delete", req -> {
            store.delete(modelName(req));
            return JsonBody.EMPTY;
        });
        r.get("registered-models/get", req -> registeredModel(store.get(modelName(req))));
        r.get("registered-models/search", this::searchModels);
        r.post("registered-models/get-latest-versions", this::latestVersions);
        r.get("registered-models/get-latest-versions", this::latestVersions);
        r.post("registered-models/set-tag", req -> {
            String name = modelName(req);
            String key = req.string("key");
            String value = req.string("value");
            RegistryRules.tag("Registered model", key, value);
            store.setModelTag(name, key, value);
            changes.fire(RegistryChange.modelTag(name, key, value, false));
            return JsonBody.EMPTY;
        });
        r.delete("registered-models/delete-tag", req -> {
            String name = modelName(req);
            String key = req.requiredString("key");
            store.deleteModelTag(name, key);
            changes.fire(RegistryChange.modelTag(name, key, null, true));
            return JsonBody.EMPTY;
        });
        r.post("registered-models/alias", req -> {
            String name = modelName(req);
            String alias = req.string("alias");
            RegistryRules.alias(alias);
            String version = req.requiredString("version");
            store.setAlias(name, alias, version);
            changes.fire(RegistryChange.alias(name, alias, version, false));
            return JsonBody.EMPTY;
        });
        r.delete("registered-models/alias", req -> {
            String name = modelName(req);
            String alias = req.string("alias");
            RegistryRules.alias(alias);
            store.deleteAlias(name, alias);
            changes.fire(RegistryChange.alias(name, alias, null, true));
            return JsonBody.EMPTY;
        });
        r.get("registered-models/alias", req -> {
            String name = modelName(req);
            String alias = req.requiredString("alias");
            if (alias.equalsIgnoreCase("latest")) {
                // "latest" resolves to the newest version (prompts are loaded as prompts:/name@latest)
                ModelVersion newest = store.latestVersions(name, List.of()).stream()
                        .max(java.util.Comparator.comparingInt(v -> v.version))
                        .orElseThrow(() -> MlflowException.notFound("Latest version not found for model " + name + "."));
                return modelVersion(newest);
            }
            return modelVersion(store.byAlias(name, alias));
        });

        r.post("model-versions/create", this::createVersion);
        r.patch("model-versions/update", req -> {
            String name = modelName(req);
            String version = req.requiredString("version");
            String description = req.string("description");
            RegistryRules.description(description);
            return modelVersion(store.updateVersionDescription(name, version, description));
        });
        r.post("model-versions/transition-stage", req -> {
            String name = modelName(req);
            String version = req.requiredString("version");
            String stage = RegistryRules.stage(req.requiredString("stage"));
            Boolean archive = req.bool("archive_existing_versions");
            if (archive == null) {
                throw MlflowException.missing("archive_existing_versions");
            }
            if (archive && !(stage.equals(RegistryRules.STAGE_STAGING) || stage.equals(RegistryRules.STAGE_PRODUCTION))) {
                throw MlflowException.invalidParameter("Model version transition cannot archive existing model versions "
                        + "because '" + stage + "' is not an Active stage. Valid stages are Staging, Production");
            }
            return modelVersion(store.transition(name, version, stage, archive));
        });
        r.delete("model-versions/delete", req -> {
            String name = modelName(req);
            store.deleteVersion(name, req.requiredString("version"));
            return JsonBody.EMPTY;
        });
        r.get("model-versions/get", req -> modelVersion(store.getVersion(modelName(req), req.requiredString("version"))));
        r.get("model-versions/search", this::searchVersions);
        r.get("model-versions/get-download-uri", req -> {
            String uri = store.downloadUri(modelName(req), req.requiredString("version"));
            return g -> {
                g.writeStartObject();
                if (uri != null) {
                    g.writeStringField("artifact_uri", uri);
                }
                g.writeEndObject();
            };
        });
        r.post("model-versions/set-tag", req -> {
            String name = modelName(req);
            String version = req.requiredString("version");
            String key = req.string("key");
            String value = req.string("value");
            RegistryRules.tag("Model version", key, value);
            store.setVersionTag(name, version, key, value);
            changes.fire(RegistryChange.versionTag(name, version, key, value, false));
            return JsonBody.EMPTY;
        });
        r.delete("model-versions/delete-tag", req -> {
            String name = modelName(req);
            String version = req.requiredString("version");
            String key = req.requiredString("key");
            store.deleteVersionTag(name, version, key);
            changes.fire(RegistryChange.versionTag(name, version, key, null, true));
            return JsonBody.EMPTY;
        });
    }

    private static String modelName(MlflowRequest req) {
        String name = req.string("name");
        RegistryRules.modelName(name);
        return name;
    }

    static JsonBody registeredModel(RegisteredModel m) {
        return JsonBody.field("registered_model", m::write);
    }

    static JsonBody modelVersion(ModelVersion v) {
        return JsonBody.field("model_version", v::write);
    }

    private static Map<String, String> tags(Fields f, String what) {
        List<Fields> items = f.objects("tags");
        Validation.batchLimit("tags", RegistryRules.MAX_TAGS_PER_REQUEST, items.size());
        Map<String, String> out = new LinkedHashMap<>();
        for (Fields t : items) {
            String key = t.string("key");
            String value = t.string("value");
            if (value == null) {
                value = "";
            }
            RegistryRules.tag(what, key, value);
            out.put(key, value);
        }
        return out;
    }

    private JsonBody createModel(MlflowRequest req) {
        String name = modelName(req);
        Map<String, String> tags = tags(req.fields(), "Registered model");
        String description = req.string("description");
        RegistryRules.description(description);
        RegisteredModel created = store.create(name, tags, description);
        changes.fire(RegistryChange.modelCreated(name, tags, description));
        return registeredModel(created);
    }

    private JsonBody latestVersions(MlflowRequest req) {
        String name = modelName(req);
        List<String> stages = new ArrayList<>();
        for (String s : req.strings("stages")) {
            String canonical = RegistryRules.stage(s);
            if (!stages.contains(canonical)) {
                stages.add(canonical);
            }
        }
        List<ModelVersion> versions = store.latestVersions(name, stages);
        return g -> {
            g.writeStartObject();
            if (!versions.isEmpty()) {
                g.writeArrayFieldStart("model_versions");
                for (ModelVersion v : versions) {
                    v.write(g);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }

    private JsonBody searchModels(MlflowRequest req) {
        Long max = req.int64("max_results");
        int maxResults = max == null ? RegistrySearch.MODELS_DEFAULT_MAX : maxResults(max, RegistrySearch.MODELS_MAX);
        RegistryStore.Page<RegisteredModel> page = search.searchModels(req.string("filter"), maxResults,
                req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.items().isEmpty()) {
                g.writeArrayFieldStart("registered_models");
                for (RegisteredModel m : page.items()) {
                    m.write(g);
                }
                g.writeEndArray();
            }
            if (page.nextPageToken() != null) {
                g.writeStringField("next_page_token", page.nextPageToken());
            }
            g.writeEndObject();
        };
    }

    private JsonBody searchVersions(MlflowRequest req) {
        Long max = req.int64("max_results");
        int maxResults = max == null ? RegistrySearch.VERSIONS_DEFAULT_MAX : maxResults(max, RegistrySearch.VERSIONS_MAX);
        RegistryStore.Page<ModelVersion> page = search.searchVersions(req.string("filter"), maxResults,
                req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.items().isEmpty()) {
                g.writeArrayFieldStart("model_versions");
                for (ModelVersion v : page.items()) {
                    v.write(g);
                }
                g.writeEndArray();
            }
            if (page.nextPageToken() != null) {
                g.writeStringField("next_page_token", page.nextPageToken());
            }
            g.writeEndObject();
        };
    }

    private static int maxResults(long requested, int limit) {
        if (requested < 1) {
            throw MlflowException.invalidParameter("Invalid value for max_results. It must be a positive integer, but got "
                    + requested);
        }
        if (requested > limit) {
            throw MlflowException.invalidParameter("Invalid value for request parameter max_results. It must be at most "
                    + limit + ", but got value " + requested);
        }
        return (int) requested;
    }

    // ------------------------------------------------------------------ model version creation

    private JsonBody createVersion(MlflowRequest req) {
        String name = modelName(req);
        String source = req.string("source");
        if (source == null || source.isEmpty()) {
            throw MlflowException.missing("source");
        }
        Validation.length("Model version source", RegistryRules.MAX_SOURCE_LENGTH, source);
        String runId = emptyToNull(req.string("run_id"));
        if (runId != null) {
            Validation.runId(runId);
        }
        String runLink = emptyToNull(req.string("run_link"));
        Validation.length("Run link", RegistryRules.MAX_RUN_LINK_LENGTH, runLink);
        String description = emptyToNull(req.string("description"));
        RegistryRules.description(description);
        String modelId = emptyToNull(req.string("model_id"));
        if (modelId != null) {
            Validation.length("Model ID", 64, modelId);
        }
        Map<String, String> tags = tags(req.fields(), "Model version");

        String storage = source;
        Matcher lm = LOGGED_MODEL_URI.matcher(source);
        Matcher vm = VERSION_URI.matcher(source);
        if (lm.matches()) {
            String[] model = store.loggedModel(lm.group(1));
            if (model == null) {
                throw MlflowException.invalidParameter("Unable to fetch model from model URI source artifact location '"
                        + source + "'. Logged model with ID '" + lm.group(1) + "' not found.");
            }
            storage = model[0];
            if (runId == null) {
                runId = model[1];
            }
            if (modelId == null) {
                modelId = lm.group(1);
            }
        } else if (vm.matches()) {
            try {
                storage = store.downloadUri(vm.group(1), vm.group(2));
            } catch (MlflowException e) {
                throw MlflowException.invalidParameter("Unable to fetch model from model URI source artifact location '"
                        + source + "'. " + e.getMessage());
            }
        } else if (PromptRules.isPrompt(tags)) {
            PromptRules.validateSource(source);
        } else {
            validateSource(source, runId, modelId);
            // a remote source outside the instance's root would be served with the instance's storage credentials
            // (runs:/ and models:/ name this server's own entities and resolve inside it)
            if (!storage.startsWith("runs:/") && !storage.startsWith("models:/")) {
                artifactStores.requireInsideRoot(storage, "source");
            }
        }
        ModelVersion created = store.createVersion(new RegistryStore.NewVersion(name, source, storage, runId, tags, runLink,
                description, modelId));
        changes.fire(RegistryChange.versionCreated(name, Integer.toString(created.version), source, runId, tags, description));
        return modelVersion(created);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * Local sources must lie inside the artifact directory of the given run; remote sources must not
     * contain relative path references (also when percent-encoded).
     */
    void validateSource(String source, String runId, String modelId) {
        Matcher m = SCHEME.matcher(source);
        String scheme = m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
        boolean windowsDrive = scheme != null && scheme.length() == 1;
        boolean local = scheme == null || windowsDrive || scheme.equals("file");
        if (local) {
            String localMessage = "Invalid model version source: '" + Validation.truncate(source) + "'. To use a local path as a "
                    + "model version source, the run_id request parameter has to be specified and the local path has to be "
                    + "contained within the artifact directory of the run specified by the run_id.";
            if (modelId != null) {
                String[] model = store.loggedModel(modelId);
                if (model != null && within(source, model[0])) {
                    return;
                }
            }
            if (runId == null) {
                throw MlflowException.invalidParameter(localMessage);
            }
            String runUri = store.runArtifactUri(runId);
            if (runUri == null) {
                throw MlflowException.notFound("Run with id=" + runId + " not found");
            }
            if (!within(source, runUri)) {
                throw MlflowException.invalidParameter(localMessage);
            }
            return;
        }
        String decoded = source;
        for (int i = 0; i < 3; i++) {
            try {
                decoded = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                break;
            }
        }
        String path = decoded.substring(decoded.indexOf(':') + 1).replace('\\', '/');
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw MlflowException.invalidParameter("Invalid model version source: '" + Validation.truncate(source)
                        + "'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts "
                        + "uri, an absolute path without relative path references must be provided.");
            }
        }
    }

    /** True when the local source lies in (or is) the local directory {@code rootUri}. */
    static boolean within(String source, String rootUri) {
        String src = normalizeLocal(source);
        String root = rootUri == null ? null : normalizeLocal(rootUri);
        return src != null && root != null && (src.equals(root) || src.startsWith(root.endsWith("/") ? root : root + "/"));
    }

    /** A local path or file: URI as a normalized absolute path, or null when it is not local or escapes upwards. */
    static String normalizeLocal(String uri) {
        String p = uri;
        String decoded;
        try {
            decoded = URLDecoder.decode(p.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        p = decoded;
        if (p.regionMatches(true, 0, "file:", 0, 5)) {
            p = p.substring(5);
            if (p.startsWith("//")) {
                p = p.substring(2);
                int slash = p.indexOf('/');
                p = slash < 0 ? "/" : p.substring(slash);
            }
        } else if (SCHEME.matcher(p).find() && !(p.length() > 1 && p.charAt(1) == ':')) {
            return null;
        }
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        for (String part : p.replace('\\', '/').split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }
}

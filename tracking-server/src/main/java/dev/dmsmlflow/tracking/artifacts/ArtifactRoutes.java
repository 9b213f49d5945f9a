package dev.dmsmlflow.tracking.artifacts;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.http.ErrorCode;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import io.vertx.core.Context;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The artifact proxy ({@code /api/2.0/mlflow-artifacts/...} and {@code /ajax-api/2.0/mlflow-artifacts/...}),
 * run / logged-model artifact listings, and the {@code /get-artifact} and
 * {@code /model-versions/get-artifact} downloads. Bodies are streamed both ways.
 */
@ApplicationScoped
public class ArtifactRoutes implements RouteProvider {
    private static final Logger LOG = Logger.getLogger(ArtifactRoutes.class);
    static final List<String> PROXY_PREFIXES = List.of("/api/2.0/mlflow-artifacts/", "/ajax-api/2.0/mlflow-artifacts/");
    static final String MPU_UNSUPPORTED = "Multipart upload is not supported for the current artifact repository";
    static final String MPD_UNSUPPORTED = "Multipart download is not supported for the current artifact repository";
    private static final Set<String> TEXT_EXTENSIONS = Set.of("txt", "log", "err", "cfg", "conf", "cnf", "cf", "ini",
            "properties", "prop", "hocon", "toml", "yaml", "yml", "xml", "json", "js", "py", "py3", "csv", "tsv", "md",
            "rst", "ipynb", "MLmodel", "MLproject");
    private static final Map<String, String> MIME = Map.ofEntries(
            Map.entry("html", "text/html"), Map.entry("htm", "text/html"), Map.entry("css", "text/css"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("svg", "image/svg+xml"), Map.entry("webp", "image/webp"),
            Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"),
            Map.entry("tar", "application/x-tar"), Map.entry("mp4", "video/mp4"), Map.entry("wav", "audio/x-wav"),
            Map.entry("mp3", "audio/mpeg"));

    @Inject
    ArtifactStores stores;
    @Inject
    ArtifactLocator locator;

    @Override
    public void register(Routes r) {
        Router router = r.router();
        // Paths are checked on the raw request path: the router matches on a normalised path in which
        // "a/../.." has already been collapsed, which would hide a traversal attempt.
        router.route().order(-1000).handler(this::refuseTraversal);
        for (String p : PROXY_PREFIXES) {
            r.absolute(HttpMethod.GET, p + "artifacts", this::listProxy);
            router.get(p + "artifacts/*").blockingHandler(ctx -> download(ctx, proxyLocation(ctx, p + "artifacts/")), false);
            router.put(p + "artifacts/*").handler(ctx -> upload(ctx, p + "artifacts/"));
            router.delete(p + "artifacts/*").blockingHandler(ctx -> deleteProxy(ctx, p + "artifacts/"), false);
            for (String op : List.of("create", "complete", "abort")) {
                String base = p + "mpu/" + op + "/";
                r.absolute(HttpMethod.POST, base + "*", req -> multipart(req, base));
            }
            r.absolute(HttpMethod.GET, p + "presigned/*", req -> {
                pathAfter(req.routingContext(), p + "presigned/");
                throw new MlflowException(ErrorCode.NOT_IMPLEMENTED, MPD_UNSUPPORTED);
            });
        }
        r.get("artifacts/list", this::listRunArtifacts);
        r.get("logged-models/:model_id/artifacts/directories", this::listLoggedModelArtifacts);
        r.post("artifacts/presigned-upload-url", req -> presigned(req, "upload"));
        r.post("artifacts/presigned-download-url", req -> presigned(req, "download"));
        router.get("/get-artifact").blockingHandler(this::getRunArtifact, false);
        router.get("/model-versions/get-artifact").blockingHandler(this::getModelVersionArtifact, false);
        // the UI's file viewer for logged models (upstream serves it under the UI's prefix only)
        router.get("/ajax-api/2.0/mlflow/logged-models/:model_id/artifacts/files")
                .blockingHandler(this::getLoggedModelArtifact, false);
    }

    // ---------------------------------------------------------------- path handling

    private void refuseTraversal(RoutingContext ctx) {
        String raw = ctx.request().path();
        if (raw != null) {
            for (String p : PROXY_PREFIXES) {
                if (raw.startsWith(p)) {
                    try {
                        ArtifactPaths.safe(raw.substring(p.length()));
                    } catch (MlflowException e) {
                        Routes.sendError(ctx, e);
                        return;
                    }
                    break;
                }
            }
        }
        ctx.next();
    }

    /** The validated artifact path following {@code prefix} in the raw request path. */
    static String pathAfter(RoutingContext ctx, String prefix) {
        String raw = ctx.request().path();
        String rest = raw != null && raw.startsWith(prefix) ? raw.substring(prefix.length()) : ctx.pathParam("*");
        String path = ArtifactPaths.safe(rest);
        if (path.isEmpty()) {
            throw ArtifactPaths.invalid();
        }
        return path;
    }

    private ArtifactStores.Location proxyLocation(RoutingContext ctx, String prefix) {
        return new ArtifactStores.Location(stores.root(), pathAfter(ctx, prefix));
    }

    // ---------------------------------------------------------------- artifact proxy

    private JsonBody listProxy(MlflowRequest req) throws IOException {
        String path = ArtifactPaths.safe(req.string("path"));
        List<ArtifactStore.Entry> entries = stores.root().list(path);
        return g -> {
            g.writeStartObject();
            writeFiles(g, entries, null);
            g.writeEndObject();
        };
    }

    private void deleteProxy(RoutingContext ctx, String prefix) {
        try {
            String path = pathAfter(ctx, prefix);
            stores.root().delete(path);
            Routes.send(ctx, 200, JsonBody.EMPTY);
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    private void upload(RoutingContext ctx, String prefix) {
        HttpServerRequest request = ctx.request();
        request.pause();
        String path;
        try {
            path = pathAfter(ctx, prefix);
        } catch (MlflowException e) {
            request.resume();
            Routes.sendError(ctx, e);
            return;
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            ctx.response().writeContinue(); // curl and others wait for this before sending large bodies
        }
        long length = contentLength(request);
        Context context = ctx.vertx().getOrCreateContext();
        RequestBodyStream body = new RequestBodyStream(request, context);
        ctx.vertx().<Void>executeBlocking(() -> {
            stores.root().put(path, body, length);
            return null;
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                Routes.send(ctx, 200, JsonBody.EMPTY);
            } else {
                fail(ctx, ar.cause());
                if (!request.isEnded()) {
                    ctx.response().endHandler(v -> request.connection().close());
                }
            }
        });
        body.start();
    }

    private static long contentLength(HttpServerRequest request) {
        String cl = request.getHeader("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private JsonBody multipart(MlflowRequest req, String base) {
        pathAfter(req.routingContext(), base);
        req.requiredString("path");
        throw new MlflowException(ErrorCode.NOT_IMPLEMENTED, MPU_UNSUPPORTED);
    }

    private JsonBody presigned(MlflowRequest req, String kind) {
        String runId = req.string("run_id");
        String modelId = req.string("model_id");
        String path = req.requiredString("path");
        if ((runId == null || runId.isEmpty()) == (modelId == null || modelId.isEmpty())) {
            throw MlflowException.invalidParameter("Exactly one of run_id and model_id must be provided.");
        }
        ArtifactPaths.safe(path);
        String uri = runId != null && !runId.isEmpty() ? locator.runArtifactUri(runId) : locator.loggedModelLocation(modelId);
        if (ArtifactStores.proxiedPath(uri).isPresent()) {
            String scheme = uri.substring(0, uri.indexOf(':'));
            throw MlflowException.invalidParameter("Presigned " + kind + " is not supported for proxied artifact storage "
                    + "(artifact URI scheme: " + scheme + "). This endpoint requires a direct cloud storage artifact URI.");
        }
        throw new MlflowException(ErrorCode.NOT_IMPLEMENTED, "Presigned " + kind + " URLs are not supported for the current artifact repository");
    }

    // ---------------------------------------------------------------- run / model listings

    private JsonBody listRunArtifacts(MlflowRequest req) throws IOException {
        String runId = req.string("run_id");
        if (runId == null || runId.isEmpty()) {
            runId = req.string("run_uuid");
        }
        if (runId == null || runId.isEmpty()) {
            throw MlflowException.missing("run_id");
        }
        String rel = req.has("path") ? ArtifactPaths.safe(req.string("path")) : "";
        String rootUri = locator.runArtifactUri(runId);
        return listUnder(rootUri, rel);
    }

    private JsonBody listLoggedModelArtifacts(MlflowRequest req) throws IOException {
        String modelId = req.pathParam("model_id");
        String rel = req.has("artifact_directory_path") ? ArtifactPaths.safe(req.string("artifact_directory_path")) : "";
        String rootUri = locator.loggedModelLocation(modelId);
        return listUnder(rootUri, rel);
    }

    private JsonBody listUnder(String rootUri, String rel) throws IOException {
        ArtifactStores.Location loc = stores.resolve(rootUri);
        List<ArtifactStore.Entry> entries = loc.store().list(ArtifactPaths.join(loc.path(), rel));
        return g -> {
            g.writeStartObject();
            g.writeStringField("root_uri", rootUri);
            writeFiles(g, entries, rel);
            g.writeEndObject();
        };
    }

    private static void writeFiles(JsonGenerator g, List<ArtifactStore.Entry> entries, String relDir) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("files");
        for (ArtifactStore.Entry e : entries) {
            g.writeStartObject();
            g.writeStringField("path", relDir == null ? e.name() : ArtifactPaths.join(relDir, e.name()));
            g.writeBooleanField("is_dir", e.dir());
            Json.num(g, "file_size", e.size());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    // ---------------------------------------------------------------- /get-artifact downloads

    private void getRunArtifact(RoutingContext ctx) {
        try {
            String runId = query(ctx, "run_id");
            if (runId == null || runId.isEmpty()) {
                runId = query(ctx, "run_uuid");
            }
            if (runId == null || runId.isEmpty()) {
                throw MlflowException.missing("run_id");
            }
            String path = requiredPath(ctx);
            download(ctx, stores.resolve(locator.runArtifactUri(runId)).child(path));
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    private void getModelVersionArtifact(RoutingContext ctx) {
        try {
            String name = query(ctx, "name");
            String version = query(ctx, "version");
            if (name == null || name.isEmpty()) {
                throw MlflowException.missing("name");
            }
            if (version == null || version.isEmpty()) {
                throw MlflowException.missing("version");
            }
            String path = requiredPath(ctx);
            download(ctx, stores.resolve(locator.modelVersionDownloadUri(name, version)).child(path));
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    private void getLoggedModelArtifact(RoutingContext ctx) {
        try {
            String raw = query(ctx, "artifact_file_path");
            if (raw == null || raw.isEmpty()) {
                throw new MlflowException(ErrorCode.BAD_REQUEST, "Request must include the \"artifact_file_path\" query parameter.");
            }
            String path = ArtifactPaths.safe(raw);
            if (path.isEmpty()) {
                throw ArtifactPaths.invalid();
            }
            download(ctx, stores.resolve(locator.loggedModelLocation(ctx.pathParam("model_id"))).child(path));
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    private static String requiredPath(RoutingContext ctx) {
        String raw = query(ctx, "path");
        if (raw == null) {
            throw MlflowException.missing("path");
        }
        String path = ArtifactPaths.safe(raw);
        if (path.isEmpty()) {
            throw ArtifactPaths.invalid();
        }
        return path;
    }

    private static String query(RoutingContext ctx, String name) {
        return ctx.queryParams().get(name);
    }

    /** Streams one file (runs on a worker thread). */
    private void download(RoutingContext ctx, ArtifactStores.Location loc) {
        try {
            ArtifactStore store = loc.store();
            String path = loc.path();
            Optional<ArtifactStore.Entry> stat = store.stat(path);
            if (stat.isEmpty()) {
                throw MlflowException.notFound("Artifact '" + path + "' does not exist");
            }
            if (stat.get().dir()) {
                throw MlflowException.invalidParameter("Artifact path refers to a directory, not a file: '" + path + "'");
            }
            HttpServerResponse resp = ctx.response();
            String name = ArtifactPaths.baseName(path);
            resp.putHeader("Content-Type", mimeType(name));
            resp.putHeader("Content-Disposition", contentDisposition(name));
            resp.putHeader("X-Content-Type-Options", "nosniff");
            resp.putHeader("Cache-Control", "no-cache");
            Optional<Path> local = store.localFile(path);
            if (local.isPresent()) {
                resp.sendFile(local.get().toString()).onFailure(t -> LOG.debugf("Sending %s failed: %s", path, t.getMessage()));
                return;
            }
            Optional<InputStream> in = store.get(path);
            if (in.isEmpty()) {
                throw MlflowException.notFound("Artifact '" + path + "' does not exist");
            }
            try (InputStream s = in.get()) {
                resp.putHeader("Content-Length", Long.toString(stat.get().size()));
                ResponseStreams.pump(s, resp);
            }
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void fail(RoutingContext ctx, Throwable e) {
        if (e instanceof MlflowException me) {
            if (!ctx.response().headWritten()) {
                ctx.response().headers().remove("Content-Disposition");
                Routes.sendError(ctx, me);
            }
            return;
        }
        LOG.errorf(e, "Artifact request %s %s failed", ctx.request().method(), ctx.request().path());
        if (!ctx.response().headWritten()) {
            ctx.response().headers().remove("Content-Disposition");
            Routes.sendError(ctx, new MlflowException(ErrorCode.INTERNAL_ERROR, "Artifact storage error"));
        } else {
            ctx.response().reset();
        }
    }

    static String mimeType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String ext = dot < 0 ? fileName : fileName.substring(dot + 1);
        if (TEXT_EXTENSIONS.contains(ext)) {
            return "text/plain";
        }
        String m = MIME.get(ext.toLowerCase(Locale.ROOT));
        return m == null ? "application/octet-stream" : m;
    }

    static String contentDisposition(String name) {
        boolean ascii = name.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        if (ascii) {
            return "attachment; filename=\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        String fallback = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("[^\\x20-\\x7e]", "").replace("\"", "");
        if (fallback.isBlank()) {
            fallback = "download";
        }
        String encoded = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
    }
}

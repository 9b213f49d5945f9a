package dev.dmsmlflow.mlflowaccess;

import java.util.Set;

/**
 * Which MLflow REST calls only read: what a {@code read} token may send. GET and HEAD read; of the other methods only the
 * searches and lookups MLflow sends as POST (their bodies carry the query) and the web UI's GraphQL queries read. Every
 * other POST, PUT, PATCH and DELETE (creating, logging, uploading artifacts, OTLP spans, deleting) writes.
 */
public final class MlflowRequests {

    private static final Set<String> READ_ONLY_POSTS = Set.of(
            "experiments/search", "experiments/search-datasets",
            "runs/search",
            "metrics/get-history-bulk-interval",
            "registered-models/search", "registered-models/get-latest-versions",
            "model-versions/search",
            "logged-models/search",
            "traces/search", "traces/batchGet", "traces/batchGetInfos", "traces/metrics",
            "datasets/search");
    private static final String[] API_PREFIXES = {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/", "/api/3.0/mlflow/", "/ajax-api/3.0/mlflow/"};

    private MlflowRequests() {
    }

    /** Whether a request with this method and path (no query) changes nothing on the tracking server. */
    public static boolean readsOnly(String method, String path) {
        String m = method.toUpperCase(java.util.Locale.ROOT);
        if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")) {
            return true;
        }
        if (!m.equals("POST")) {
            return false;
        }
        if (path.equals("/graphql")) {
            return true; // the UI's queries; this server's GraphQL schema has no mutation that changes data
        }
        for (String prefix : API_PREFIXES) {
            if (path.startsWith(prefix)) {
                return READ_ONLY_POSTS.contains(path.substring(prefix.length()));
            }
        }
        return false;
    }
}

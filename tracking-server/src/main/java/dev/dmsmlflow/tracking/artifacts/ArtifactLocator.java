package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.http.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** Reads the artifact locations of runs, logged models and model versions (read-only SQL on their tables). */
@ApplicationScoped
public class ArtifactLocator {
    @Inject
    Db db;

    /** The run's {@code artifact_uri}; 404 "Run with id=... not found" when unknown. */
    public String runArtifactUri(String runId) {
        String uri = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT artifact_uri FROM runs WHERE run_uuid = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (uri == null) {
            throw MlflowException.notFound("Run with id=" + runId + " not found");
        }
        return uri;
    }

    /** The logged model's artifact location; 404 when unknown or deleted. */
    public String loggedModelLocation(String modelId) {
        String uri = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT artifact_location FROM logged_models WHERE model_id = ? AND lifecycle_stage = 'active'")) {
                ps.setString(1, modelId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (uri == null) {
            throw MlflowException.notFound("Logged model with ID '" + modelId + "' not found.");
        }
        return uri;
    }

    /**
     * Where a model version's files are: its storage location, else its source, with
     * {@code models:/<model_id>} and {@code runs:/<run_id>/path} sources resolved to artifact URIs.
     */
    public String modelVersionDownloadUri(String name, String version) {
        int v;
        try {
            v = Integer.parseInt(version.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalidParameter("Model version must be an integer, got '" + version + "'");
        }
        String[] row = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT mv.storage_location, mv.source FROM model_versions mv "
                    + "JOIN registered_models rm ON rm.id = mv.registered_model_id WHERE rm.name = ? AND mv.version = ?")) {
                ps.setString(1, name);
                ps.setInt(2, v);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
                }
            }
        });
        if (row == null) {
            throw MlflowException.notFound("Model Version (name=" + name + ", version=" + version + ") not found");
        }
        String uri = row[0] != null && !row[0].isEmpty() ? row[0] : row[1];
        if (uri == null || uri.isEmpty()) {
            throw MlflowException.invalidParameter("Model Version (name=" + name + ", version=" + version + ") has no source");
        }
        if (uri.startsWith("models:/m-")) {
            String rest = uri.substring("models:/".length());
            int slash = rest.indexOf('/');
            String modelId = slash < 0 ? rest : rest.substring(0, slash);
            String sub = slash < 0 ? "" : rest.substring(slash + 1);
            return joinUri(loggedModelLocation(modelId), sub);
        }
        if (uri.startsWith("runs:/")) {
            String rest = uri.substring("runs:/".length());
            int slash = rest.indexOf('/');
            String runId = slash < 0 ? rest : rest.substring(0, slash);
            String sub = slash < 0 ? "" : rest.substring(slash + 1);
            return joinUri(runArtifactUri(runId), sub);
        }
        return uri;
    }

    static String joinUri(String base, String sub) {
        if (sub == null || sub.isEmpty()) {
            return base;
        }
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/" + ArtifactPaths.safe(sub);
    }
}

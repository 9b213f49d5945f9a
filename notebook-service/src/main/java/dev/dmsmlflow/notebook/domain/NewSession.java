package dev.dmsmlflow.notebook.domain;

import java.util.List;

/** A validated request for a new session: every value known to the catalogue and well-formed. */
public record NewSession(String workspaceId, String name, Cluster cluster, Image image, Spec spec, boolean developmentMode,
                         Profile profile, int idleReleaseMinutes, Storage storage, List<Requirements.Requirement> packages,
                         EnvironmentVariables environment, String requestedBy) {

    public NewSession {
        packages = List.copyOf(packages);
    }

    @Override
    public String toString() {
        return "NewSession[" + workspaceId + "/" + name + ", " + image.name() + ", " + spec.name() + ", env " + environment + "]";
    }
}

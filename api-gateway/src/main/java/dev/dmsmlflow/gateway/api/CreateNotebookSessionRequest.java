package dev.dmsmlflow.gateway.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The create form of a notebook session, passed to notebook-service, which validates every field (400 naming it).
 * Documented here with the seed's rules.
 */
@Schema(name = "CreateNotebookSessionRequest")
public record CreateNotebookSessionRequest(
        @Schema(required = true, pattern = "^[A-Za-z0-9_]{1,64}$", description = "Unique in the workspace: letters, digits, underscores",
                example = "new_session_20250401") String name,
        @Schema(description = "default (DMS' shared cluster) or a dedicated cluster the workspace is authorized for", example = "default") String cluster,
        @Schema(required = true, description = "Runtime image from the catalogue", example = "Python3.9:1.0.9") String image,
        @Schema(required = true, description = "CPU cores + memory from the catalogue", example = "1C4G") String spec,
        @Schema(description = "Auto-reload and interactive aids; default off") Boolean developmentMode,
        @Schema(description = "Configuration profile", example = "default_profile") String configuration,
        @Schema(description = "Idle minutes before automatic release (default 1440)", example = "1440") Integer idleReleaseMinutes,
        @Schema(description = "None (temporary), oss://bucket/path or nas://fs/path", example = "None") String dataStorage,
        @Schema(description = "Comma-separated PEP 508 requirements", example = "dashscope, pandas==2.1.0") String pypiPackages,
        @Schema(description = "KEY=VALUE separated by line breaks or semicolons; values are secrets, shown masked",
                example = "DASHSCOPE_API_KEY=sk-xxx") String environmentVariables) {

    @Override
    public String toString() {
        return "CreateNotebookSessionRequest[" + name + ", environmentVariables hidden]";
    }
}

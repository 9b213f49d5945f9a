package dev.dmsmlflow.gateway.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Code to run in a session's kernel. */
@Schema(name = "NotebookExecutionRequest")
public record NotebookExecutionRequest(
        @Schema(required = true, description = "Python code, run like a notebook cell") String code,
        @Schema(description = "Time limit in seconds (default 600)", minimum = "1") Integer timeoutSeconds) {
}

package dev.dmsmlflow.notebook.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Code to run in the session's kernel, and its time limit in seconds (default 600). */
public record ExecutionRequest(@NotNull @Size(max = 1_000_000) String code, Integer timeoutSeconds) {
}

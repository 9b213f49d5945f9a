package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** One audited call. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntryView(
        @Schema(required = true) long id,
        @Schema(required = true) Instant occurredAt,
        @Schema(required = true) String requestId,
        @Schema(required = true, description = "The verified member who called.") String memberId,
        @Schema(description = "The API key used.") String keyId,
        String workspaceId,
        @Schema(required = true, examples = "instance.create") String action,
        @Schema(required = true, examples = "instance") String resourceType,
        String resourceId,
        @Schema(required = true, description = "The HTTP status of the answer.") int outcome,
        @Schema(required = true) String method,
        @Schema(required = true) String path) {
}

package dev.dmsmlflow.notebook.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.notebook.persistence.SessionEntity;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A session as the API shows it. Environment variables appear with masked values only; {@code progress} while STARTING or
 * STOPPING; {@code statusReason} for FAILED and RELEASED; {@code runtime} says what was actually used (the interpreter,
 * and the limits this host enforces).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionView(String id, String workspaceId, String name, String status, Reason statusReason, Progress progress,
                          String cluster, String vpcId, String address, String image, String spec, boolean developmentMode,
                          String configuration, int idleReleaseMinutes, String dataStorage, List<String> pypiPackages,
                          Map<String, String> environmentVariables, String instanceId, String trackingUri, JsonNode runtime,
                          Instant lastActivityAt, Instant runningSince, String createdBy, Instant createdAt, Instant updatedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public record Reason(String code, String message) {
    }

    public record Progress(String phase, String message) {
    }

    static SessionView of(SessionEntity s, Map<String, String> maskedEnvironment) {
        JsonNode runtime = null;
        if (s.runtimeInfo != null) {
            try {
                runtime = JSON.readTree(s.runtimeInfo);
            } catch (Exception ignored) {
                // an unreadable note is left out
            }
        }
        return new SessionView(s.id, s.workspaceId, s.name, s.status.name(),
                s.statusReasonCode == null ? null : new Reason(s.statusReasonCode, s.statusReasonMessage),
                s.progressPhase == null ? null : new Progress(s.progressPhase, s.progressMessage),
                s.clusterId, s.vpcId, s.reportedAddress(), s.image, s.spec, s.developmentMode, s.profile, s.idleReleaseMinutes,
                s.storage == null ? "None" : s.storage,
                s.packages.isEmpty() ? List.of() : List.of(s.packages.split("\n")), maskedEnvironment, s.instanceId, s.trackingUri,
                runtime, s.lastActivityAt, s.runningSince, s.createdBy, s.createdAt, s.updatedAt);
    }
}

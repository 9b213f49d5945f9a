package dev.dmsmlflow.gateway.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the services answer, for the OpenAPI document only: the gateway passes these bodies through unchanged.
 * Only fields every answer carries are required; services may add fields.
 */
final class ServiceDocs {

    private ServiceDocs() {
    }

    @Schema(name = "Instance", description = "An MLflow instance (from instance-service).")
    record Instance(
            @Schema(required = true) String id,
            @Schema(required = true) String workspaceId,
            @Schema(required = true) String name,
            String description,
            @Schema(required = true, enumeration = {"CREATING", "RUNNING", "CREATE_FAILED", "UPDATING", "REDEPLOYING", "STOPPING",
                    "STOPPED", "STARTING", "RELEASING", "RELEASED", "RELEASE_FAILED"}) String status,
            StatusReason statusReason,
            String vpcId, String vSwitchId, String secondaryVSwitchId, String securityGroupId,
            String ossBucket, String ossPath, String artifactRoot,
            @Schema(description = "The spec in effect (the serving tracking server's size, the one usage is metered at)") String spec,
            @Schema(description = "While UPDATING: the spec a resize is rolling out") String pendingSpec,
            @Schema(enumeration = {"network", "token"}) String authMode, String trackingVersion,
            @Schema(description = "The full URI an MLflow client takes verbatim (scheme, host, port), e.g. http://<ALB address>:80;"
                    + " absent before the load balancer exists and once the instance is RELEASED", example = "http://127.0.0.1:18080")
            String vpcAddress,
            @Schema(description = "The load balancer's bare host (not a tracking URI)") String vpcHost,
            @Schema(description = "The tracking URI (the same endpoint as vpcAddress)") String trackingUri,
            @Schema(description = "The line that points the mlflow client at the instance",
                    example = "mlflow.set_tracking_uri(\"http://127.0.0.1:18080\")") String setTrackingUri,
            String loadBalancerId, Instant createdAt, Instant updatedAt,
            @Schema(description = "Only when one instance is read: true while an ACL entry admits every address "
                    + "(0.0.0.0/0, added with allowAll)") Boolean aclAllowsAll,
            @Schema(description = "Only when one instance is read, from its load balancer's active health check of the "
                    + "tracking server") BackendHealth backendHealth) {
    }

    @Schema(name = "BackendHealth", description = "What the load balancer's health check (GET /health every few seconds) "
            + "last concluded about the instance's tracking server; never its address.")
    record BackendHealth(
            @Schema(required = true, enumeration = {"HEALTHY", "UNHEALTHY", "UNKNOWN"}) String status,
            @Schema(description = "Since when the status holds") Instant since,
            @Schema(description = "When the last check ended") Instant lastCheckedAt,
            @Schema(description = "Why the last check failed (or why the status is not known)",
                    example = "no answer within 2s") String reason) {
    }

    @Schema(name = "InstanceSpec", description = "A compute size an instance may have (from instance-service).")
    record InstanceSpec(@Schema(required = true, example = "mlflow.small") String name,
                        @Schema(required = true) int cpuCores,
                        @Schema(required = true) int memoryGiB,
                        @Schema(required = true, description = "The price SKU the instance's usage is metered under",
                                example = "MLFLOW-INSTANCE-SMALL") String sku) {
    }

    @Schema(name = "InstanceSpecList")
    record InstanceSpecList(@Schema(required = true) List<InstanceSpec> items) {
    }

    @Schema(name = "StatusReason")
    record StatusReason(String code, String message) {
    }

    @Schema(name = "InstancePage")
    record InstancePage(@Schema(required = true) List<Instance> items, String nextPageToken) {
    }

    @Schema(name = "UsagePage", description = "Metered usage windows of an instance (from instance-service).")
    record UsagePage(@Schema(required = true) List<Map<String, Object>> items, String nextPageToken) {
    }

    @Schema(name = "AclEntry")
    record AclEntry(@Schema(required = true) String cidr, String description, Instant createdAt) {
    }

    @Schema(name = "AclEntryPage")
    record AclEntryPage(@Schema(required = true) List<AclEntry> items, String nextPageToken) {
    }

    @Schema(name = "AclChange", description = "The ACL after a change (from network-service).")
    record AclChange(@Schema(required = true) String instanceId, String aclId, List<AclEntry> added, List<AclEntry> removed,
                     Integer total) {
    }

    @Schema(name = "AccessToken", description = "An MLflow access token of an instance (from network-service); 'token' only in the"
            + " answer that created it.")
    record Token(@Schema(required = true) String id, @Schema(required = true) String instanceId, @Schema(required = true) String name,
                 @Schema(required = true, enumeration = {"read", "read-write"}) String scope,
                 @Schema(enumeration = {"api", "browser"}, description = "api: created through the API; browser: made by a sign-in to"
                         + " the instance's MLflow UI (short-lived)") String kind,
                 @Schema(required = true, enumeration = {"active", "revoked", "expired"}) String status,
                 String createdBy, @Schema(required = true) String createdAt, String expiresAt, String revokedAt,
                 @Schema(description = "The token, to use as MLFLOW_TRACKING_TOKEN (or as MLFLOW_TRACKING_PASSWORD)") String token) {
    }

    @Schema(name = "AccessTokenList")
    record TokenList(@Schema(required = true) List<Token> items) {
    }

    @Schema(name = "Diagnosis", description = "Whether a source address would reach the instance, layer by layer (from network-service).")
    record Diagnosis(@Schema(required = true) String instanceId, @Schema(required = true) String source,
                     @Schema(required = true, description = "True only when every layer admits the source") boolean admitted,
                     @Schema(description = "Each {layer, admitted, reason}, in order: acl, security-group, vpc and, where the provider"
                             + " checks the tracking server (local), backend (refused while none is registered or it is UNHEALTHY)")
                     List<Map<String, Object>> layers,
                     @Schema(description = "e.g. that the ACL admits every source") List<String> warnings) {
    }

    @Schema(name = "NotebookSession", description = "A notebook session (from notebook-service). Environment variable values are masked.")
    record NotebookSession(
            @Schema(required = true) String id,
            @Schema(required = true) String workspaceId,
            @Schema(required = true) String name,
            @Schema(required = true, enumeration = {"CREATED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "FAILED", "RELEASED"}) String status,
            StatusReason statusReason,
            @Schema(description = "While STARTING or STOPPING: phase (QUEUED, ENVIRONMENT, PACKAGES, SERVER, STOPPING) and what happens") Map<String, String> progress,
            String cluster, String vpcId, @Schema(description = "The session's address in its VPC (its notebook subnet)") String address,
            String image, String spec, Boolean developmentMode, String configuration, Integer idleReleaseMinutes, String dataStorage,
            List<String> pypiPackages, Map<String, String> environmentVariables, String instanceId,
            @Schema(description = "MLFLOW_TRACKING_URI set in the session: the workspace's RUNNING instance in its VPC") String trackingUri,
            @Schema(description = "What the runtime used: python, pythonNote, environmentKey, limits") Map<String, Object> runtime,
            Instant lastActivityAt, Instant runningSince, String createdBy, Instant createdAt, Instant updatedAt) {
    }

    @Schema(name = "NotebookSessionPage")
    record NotebookSessionPage(@Schema(required = true) List<NotebookSession> items, String nextPageToken) {
    }

    @Schema(name = "NotebookExecution", description = "Code run in a session's kernel (from notebook-service).")
    record NotebookExecution(
            @Schema(required = true) String id,
            @Schema(required = true) String sessionId,
            @Schema(required = true, enumeration = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT"}) String status,
            String stdout, Integer stdoutLength, String stderr, Integer stderrLength, String result,
            Map<String, String> error, Long durationMs, Long timeoutSeconds, String requestedBy, Instant createdAt,
            Instant startedAt, Instant finishedAt) {
    }

    @Schema(name = "NotebookExecutionPage")
    record NotebookExecutionPage(@Schema(required = true) List<NotebookExecution> items, String nextPageToken) {
    }

    @Schema(name = "NotebookCatalogue", description = "Images, specifications, clusters and configuration profiles a session can use.")
    record NotebookCatalogue(List<Map<String, Object>> images, List<Map<String, Object>> specs, List<Map<String, Object>> clusters,
                             List<Map<String, Object>> configurations, Integer idleReleaseMinutesDefault, Integer idleReleaseMinutesMin,
                             Integer idleReleaseMinutesMax, String limits) {
    }

    @Schema(name = "Vpc", description = "A VPC of the network registry (from network-service).")
    record Vpc(@Schema(required = true) String id, String cidr) {
    }

    @Schema(name = "VpcList")
    record VpcList(@Schema(required = true) List<Vpc> items) {
    }

    @Schema(name = "VSwitch", description = "A vSwitch of a VPC: its zone and the addresses still free on it.")
    record VSwitch(@Schema(required = true) String id, @Schema(required = true) String vpcId, @Schema(required = true) String zoneId,
                   String cidr, @Schema(required = true) long availableIpAddressCount) {
    }

    @Schema(name = "VSwitchList")
    record VSwitchList(@Schema(required = true) List<VSwitch> items) {
    }

    @Schema(name = "SecurityGroupRule")
    record SecurityGroupRule(String protocol, Integer portFrom, Integer portTo, String sourceCidr, String policy) {
    }

    @Schema(name = "SecurityGroup", description = "A security group of a VPC; only basic ones (type normal, not managed) are accepted.")
    record SecurityGroup(@Schema(required = true) String id, @Schema(required = true) String vpcId, @Schema(required = true) String type,
                         @Schema(required = true) boolean managed, @Schema(required = true) boolean basic, List<SecurityGroupRule> inboundRules) {
    }

    @Schema(name = "SecurityGroupList")
    record SecurityGroupList(@Schema(required = true) List<SecurityGroup> items) {
    }
}

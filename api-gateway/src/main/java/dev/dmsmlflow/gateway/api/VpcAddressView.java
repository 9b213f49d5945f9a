package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Where clients in the VPC reach an instance; address, host and port are absent until its network is provisioned and
 * once it is released.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VpcAddressView(
        @Schema(required = true) String instanceId,
        @Schema(description = "Status of the instance's network (load balancer, listener, ACL).") String status,
        @Schema(description = "The full URI an MLflow client takes verbatim (scheme, host, port), e.g. http://<ALB address>:80",
                example = "http://127.0.0.1:18080") String vpcAddress,
        @Schema(description = "The load balancer's bare host (not a tracking URI)") String vpcHost,
        Integer vpcPort,
        @Schema(description = "The line that points the mlflow client at the instance",
                example = "mlflow.set_tracking_uri(\"http://127.0.0.1:18080\")") String setTrackingUri) {

    /** The view of a network whose load balancer listens on {@code host}:{@code port} (both null: none shown). */
    static VpcAddressView of(String instanceId, String status, String host, Integer port) {
        if (host == null) {
            return new VpcAddressView(instanceId, status, null, null, null, null);
        }
        String uri = "http://" + host + ":" + (port == null ? 80 : port);
        return new VpcAddressView(instanceId, status, uri, host, port, "mlflow.set_tracking_uri(\"" + uri + "\")");
    }
}

package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * One allowed source of a load balancer ACL.
 *
 * @param cidr IPv4 CIDR block allowed to reach the listener, e.g. {@code 192.168.0.0/16}
 * @param description free text note for the entry; optional
 */
public record AclEntry(@JsonProperty("cidr") String cidr, @JsonProperty("description") String description) {

    public AclEntry {
        Objects.requireNonNull(cidr, "cidr is required");
    }
}

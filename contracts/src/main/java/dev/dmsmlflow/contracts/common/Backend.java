package dev.dmsmlflow.contracts.common;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Network address of a tracking server that a load balancer forwards to.
 *
 * @param host IP address or host name of the tracking server
 * @param port TCP port of the tracking server
 */
public record Backend(@JsonProperty("host") String host, @JsonProperty("port") int port) {

    public Backend {
        Objects.requireNonNull(host, "host is required");
    }
}

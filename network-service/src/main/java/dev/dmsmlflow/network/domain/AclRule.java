package dev.dmsmlflow.network.domain;

import java.time.Instant;

/** One allowed source in an instance's ACL: a canonical CIDR block and an optional description. */
public record AclRule(String cidr, String description, Instant createdAt) {

    public IpBlock block() {
        return IpBlock.parse(cidr);
    }
}

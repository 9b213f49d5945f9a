package dev.dmsmlflow.network.persistence;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/**
 * An entry of an instance's ACL (table {@code acl_entry}) with where it stands at the load balancer: {@code ACTIVE},
 * {@code ADDING} (recorded, not confirmed yet) or {@code REMOVING} (still enforced until the removal is confirmed; the row
 * is deleted then). The API and {@code LoadBalancerSync} both write it, so {@code version} guards it.
 */
@Entity
@Table(name = "acl_entry")
@IdClass(AclEntryEntity.Key.class)
public class AclEntryEntity {

    public static final String ACTIVE = "ACTIVE";
    public static final String ADDING = "ADDING";
    public static final String REMOVING = "REMOVING";

    @Id
    public String instanceId;
    @Id
    public String cidr;
    public String description;
    public Instant createdAt;
    public String state;
    @Version
    public long version;

    /** The primary key: instance and canonical CIDR. */
    public static class Key implements Serializable {
        public String instanceId;
        public String cidr;

        public Key() {
        }

        public Key(String instanceId, String cidr) {
            this.instanceId = instanceId;
            this.cidr = cidr;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(instanceId, k.instanceId) && Objects.equals(cidr, k.cidr);
        }

        @Override
        public int hashCode() {
            return Objects.hash(instanceId, cidr);
        }
    }
}

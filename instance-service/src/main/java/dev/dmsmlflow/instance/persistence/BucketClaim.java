package dev.dmsmlflow.instance.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** An OSS bucket's owner: the first workspace that rooted an instance in it (kept after its instances are released). */
@Entity
@Table(name = "oss_bucket_claim")
public class BucketClaim {

    @Id
    public String bucket;

    @Column(name = "workspace_id", nullable = false, updatable = false)
    public String workspaceId;

    /** The instance whose create made the claim. */
    @Column(name = "instance_id", nullable = false, updatable = false)
    public String instanceId;

    @Column(name = "claimed_at", nullable = false, updatable = false)
    public Instant claimedAt;
}

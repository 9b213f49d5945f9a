package dev.dmsmlflow.instance.persistence;

import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Instant;

/**
 * Storage belongs to a workspace: an OSS bucket is claimed by the first workspace that roots an instance in it, and no two
 * live instances' roots are equal or nested ({@code oss://b/a} and {@code oss://b/a/x}). Checked under a transaction-level
 * advisory lock per bucket (plain SQL), so two concurrent creates cannot both pass; callers bring the transaction (the
 * instance's insert), so a refusal leaves nothing behind.
 */
@ApplicationScoped
public class StorageClaims implements PanacheRepositoryBase<BucketClaim, String> {

    /** Problem codes. */
    public static final String BUCKET_CLAIMED = "OSS_BUCKET_CLAIMED";
    public static final String ROOT_OVERLAPS = "OSS_PATH_OVERLAPS";

    private final AgroalDataSource dataSource;
    private final InstanceRepository instances;

    public StorageClaims(AgroalDataSource dataSource, InstanceRepository instances) {
        this.dataSource = dataSource;
        this.instances = instances;
    }

    /**
     * Claims {@code bucket} for {@code workspaceId} (or finds it already theirs) and checks that {@code path} neither equals
     * nor nests with the root of any live instance in it; a 409 naming {@code ossBucket} or {@code ossPath} otherwise.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void claim(String workspaceId, String instanceId, String bucket, String path) {
        lockBucket(bucket);
        // under the bucket's lock: a claim not found here cannot be made by another transaction before this one commits
        BucketClaim claim = findByIdOptional(bucket).orElseGet(() -> {
            BucketClaim c = new BucketClaim();
            c.bucket = bucket;
            c.workspaceId = workspaceId;
            c.instanceId = instanceId;
            c.claimedAt = Instant.now();
            persist(c);
            return c;
        });
        if (!workspaceId.equals(claim.workspaceId)) {
            // which workspace holds it is not told
            throw conflict("ossBucket", BUCKET_CLAIMED, "OSS bucket " + bucket + " belongs to another workspace; choose a bucket of your own.");
        }
        for (Instance other : instances.liveInBucket(bucket)) {
            if (overlaps(path, other.ossPath)) {
                throw conflict("ossPath", ROOT_OVERLAPS, "oss://" + bucket + "/" + path + " "
                        + (path.equals(other.ossPath) ? "is" : "overlaps") + " the artifact root oss://" + bucket + "/" + other.ossPath
                        + " of instance " + other.name + " (" + other.id + "); roots may not be equal or nested.");
            }
        }
    }

    /** A PostgreSQL transaction-level advisory lock: plain SQL, Hibernate has no notion of it. */
    private void lockBucket(String bucket) {
        AdvisoryLocks.lockUntilCommit(dataSource, "oss-bucket", bucket);
    }

    /** Whether two roots (paths without leading or trailing '/') are equal or one lies inside the other. */
    public static boolean overlaps(String a, String b) {
        return a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
    }

    private static ProblemException conflict(String field, String code, String detail) {
        return new ProblemException(Problem.of("conflict", "Conflict with current state", 409, detail, field).withCode(code));
    }
}

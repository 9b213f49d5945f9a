package dev.dmsmlflow.notebook.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;

/** The MLflow instances learned from events. */
@ApplicationScoped
public class MlflowInstanceRepository implements PanacheRepositoryBase<MlflowInstanceEntity, String> {

    /** The workspace's RUNNING instance in the VPC that a session should use: the one running the longest. */
    public Optional<MlflowInstanceEntity> runningIn(String workspaceId, String vpcId) {
        return find("workspaceId = ?1 and vpcId = ?2 and status = 'RUNNING' and trackingUri is not null order by runningAt, instanceId",
                workspaceId, vpcId).firstResultOptional();
    }

    /** Artifact roots of other workspaces' instances that still exist. */
    public List<MlflowInstanceEntity> artifactRootsOfOtherWorkspaces(String workspaceId) {
        return list("workspaceId <> ?1 and ossBucket is not null and status <> 'RELEASED'", workspaceId);
    }
}

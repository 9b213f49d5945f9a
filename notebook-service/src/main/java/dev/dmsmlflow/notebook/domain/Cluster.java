package dev.dmsmlflow.notebook.domain;

import java.util.Set;

/**
 * A compute cluster sessions run on. The shared cluster serves every workspace; a dedicated one only the workspaces it is
 * authorized for. Its sessions live in its VPC and take their addresses from its notebook subnet.
 *
 * @param id         as the API names it ({@code default} is DMS' shared cluster)
 * @param name       display name
 * @param vpcId      VPC of its sessions: they reach MLflow instances of this VPC only
 * @param cidr       notebook subnet its sessions' addresses come from (IPv4)
 * @param workspaces workspaces authorized for a dedicated cluster; empty for the shared one
 */
public record Cluster(String id, String name, String vpcId, String cidr, Set<String> workspaces) {

    public Cluster {
        workspaces = Set.copyOf(workspaces);
    }

    public boolean shared() {
        return workspaces.isEmpty();
    }

    public boolean authorizes(String workspaceId) {
        return shared() || workspaces.contains(workspaceId);
    }
}

package dev.dmsmlflow.notebook.api;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Catalogue;

import java.util.List;

/** The create form's choices for a workspace (dedicated clusters only where it is authorized). */
public record CatalogueView(List<ImageView> images, List<SpecView> specs, List<ClusterView> clusters, List<ProfileView> configurations,
                            int idleReleaseMinutesDefault, int idleReleaseMinutesMin, int idleReleaseMinutesMax, String limits) {

    public record ImageView(String name, String python, List<String> libraries, String description) {
    }

    public record SpecView(String name, int cpus, int memoryGib) {
    }

    public record ClusterView(String id, String name, String vpcId, String subnet, boolean shared) {
    }

    public record ProfileView(String name, String description, boolean mlflowWiring) {
    }

    static CatalogueView of(Catalogue c, String workspaceId, NotebookConfig.Idle idle, String limits) {
        return new CatalogueView(
                c.images().stream().map(i -> new ImageView(i.name(), i.python(), i.libraries(), i.description())).toList(),
                c.specs().stream().map(s -> new SpecView(s.name(), s.cpus(), s.memoryGib())).toList(),
                c.clusters().stream().filter(x -> x.authorizes(workspaceId))
                        .map(x -> new ClusterView(x.id(), x.name(), x.vpcId(), x.cidr(), x.shared())).toList(),
                c.profiles().stream().map(p -> new ProfileView(p.name(), p.description(), p.mlflowWiring())).toList(),
                idle.defaultMinutes(), idle.minMinutes(), idle.maxMinutes(), limits);
    }
}

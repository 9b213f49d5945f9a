package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Catalogue;
import dev.dmsmlflow.notebook.domain.Cluster;
import dev.dmsmlflow.notebook.domain.Image;
import dev.dmsmlflow.notebook.domain.Profile;
import dev.dmsmlflow.notebook.domain.Spec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Set;

/** The catalogue of images, specifications, clusters and profiles, from {@code dms.notebook.*}. */
@ApplicationScoped
public class CatalogueProducer {

    @Produces
    @Singleton
    Catalogue catalogue(NotebookConfig config) {
        List<Image> images = config.images().entrySet().stream()
                .map(e -> new Image(e.getKey(), e.getValue().python(), e.getValue().libraries().orElse(List.of()),
                        e.getValue().description()))
                .toList();
        List<Spec> specs = config.specs().stream().map(s -> Spec.parse(s).orElseThrow(() ->
                new IllegalStateException("dms.notebook.specs: '" + s + "' is not <cores>C<GiB>G"))).toList();
        List<Cluster> clusters = config.clusters().entrySet().stream()
                .map(e -> new Cluster(e.getKey(), e.getValue().name(), e.getValue().vpcId(), e.getValue().cidr(),
                        Set.copyOf(e.getValue().workspaces().orElse(List.of()))))
                .toList();
        List<Profile> profiles = config.profiles().entrySet().stream()
                .map(e -> new Profile(e.getKey(), e.getValue().description(), e.getValue().mlflowWiring()))
                .toList();
        return new Catalogue(images, specs, clusters, profiles);
    }
}

package dev.dmsmlflow.notebook.domain;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What sessions can be made of: images, specifications, clusters and configuration profiles (from configuration). */
public final class Catalogue {

    /** The shared cluster's id: sessions run there unless they name a dedicated cluster. */
    public static final String DEFAULT_CLUSTER = "default";
    /** The default configuration profile. */
    public static final String DEFAULT_PROFILE = "default_profile";

    private final Map<String, Image> images;
    private final Map<String, Spec> specs;
    private final Map<String, Cluster> clusters;
    private final Map<String, Profile> profiles;

    public Catalogue(List<Image> images, List<Spec> specs, List<Cluster> clusters, List<Profile> profiles) {
        this.images = index(images, Image::name);
        this.specs = index(specs, Spec::name);
        this.clusters = index(clusters, Cluster::id);
        this.profiles = index(profiles, Profile::name);
    }

    private static <T> Map<String, T> index(List<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.toUnmodifiableMap(key, Function.identity()));
    }

    public Optional<Image> image(String name) {
        return Optional.ofNullable(images.get(name));
    }

    public Optional<Spec> spec(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    public Optional<Cluster> cluster(String id) {
        return Optional.ofNullable(clusters.get(id));
    }

    public Optional<Profile> profile(String name) {
        return Optional.ofNullable(profiles.get(name));
    }

    public List<Image> images() {
        return images.values().stream().sorted(Comparator.comparing(Image::name)).toList();
    }

    public List<Spec> specs() {
        return specs.values().stream().sorted(Comparator.comparingInt(Spec::cpus).thenComparingInt(Spec::memoryGib)).toList();
    }

    public List<Cluster> clusters() {
        return clusters.values().stream().sorted(Comparator.comparing(Cluster::id)).toList();
    }

    public List<Profile> profiles() {
        return profiles.values().stream().sorted(Comparator.comparing(Profile::name)).toList();
    }
}

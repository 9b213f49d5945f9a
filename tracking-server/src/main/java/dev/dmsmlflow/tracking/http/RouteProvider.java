package dev.dmsmlflow.tracking.http;

/**
 * Implemented by each feature (an {@code @ApplicationScoped} bean) to register its endpoints.
 * Beans are discovered by CDI: adding a feature touches no shared file.
 */
public interface RouteProvider {
    void register(Routes routes);
}

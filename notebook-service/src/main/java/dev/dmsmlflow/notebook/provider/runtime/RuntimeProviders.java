package dev.dmsmlflow.notebook.provider.runtime;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.provider.runtime.kubernetes.KubernetesRuntime;
import dev.dmsmlflow.notebook.provider.runtime.local.LocalRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** Chooses the sessions' runtime from {@code dms.notebook.runtime} ({@code local}, the default, or {@code kubernetes}) at startup. */
@ApplicationScoped
public class RuntimeProviders {

    @Produces
    @ApplicationScoped
    NotebookRuntime runtime(NotebookConfig config, Instance<LocalRuntime> local, Instance<KubernetesRuntime> kubernetes) {
        String runtime = config.runtime();
        return switch (runtime) {
            case "local" -> local.get();
            case "kubernetes" -> kubernetes.get();
            default -> throw new IllegalStateException("dms.notebook.runtime must be local or kubernetes, not " + runtime);
        };
    }
}

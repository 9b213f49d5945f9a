package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.platform.secrets.AesGcmSealer;
import dev.dmsmlflow.platform.secrets.SecretSealer;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.nio.file.Path;

/** Seals the sessions' environment variables (secrets such as API keys) at rest: the local master key unless a KMS bean replaces it. */
@ApplicationScoped
public class SealerProducer {

    @Produces
    @DefaultBean
    @Singleton
    SecretSealer sealer(NotebookConfig config) {
        if (!"local".equals(config.secrets().provider())) {
            throw new IllegalStateException("dms.notebook.secrets.provider=" + config.secrets().provider()
                    + " has no implementation here: only local ships; provide a SecretSealer bean for another one");
        }
        return AesGcmSealer.fromKeyFile(Path.of(config.secrets().local().masterKeyFile()).toAbsolutePath().normalize(),
                config.secrets().local().createIfMissing());
    }
}

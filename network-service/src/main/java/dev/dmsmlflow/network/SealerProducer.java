package dev.dmsmlflow.network;

import dev.dmsmlflow.platform.secrets.AesGcmSealer;
import dev.dmsmlflow.platform.secrets.SecretSealer;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/**
 * The {@link SecretSealer} of network-service (load balancers' backend secrets): AES-256-GCM under the local master key
 * file by default; a deployment with a KMS provides its own bean instead.
 */
@ApplicationScoped
public class SealerProducer {

    private static final Logger LOG = Logger.getLogger(SealerProducer.class);

    @Produces
    @DefaultBean
    @Singleton
    SecretSealer sealer(@ConfigProperty(name = "dms.secrets.local.master-key-file") String keyFile,
                        @ConfigProperty(name = "dms.secrets.local.create-if-missing", defaultValue = "true") boolean create) {
        Path file = Path.of(keyFile).toAbsolutePath().normalize();
        AesGcmSealer sealer = AesGcmSealer.fromKeyFile(file, create);
        LOG.infof("backend secrets sealed with AES-256-GCM under the master key in %s (key id %s)", file, sealer.keyId());
        return sealer;
    }
}

package dev.dmsmlflow.instance.provider.secrets;

import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.platform.secrets.AesGcmSealer;
import dev.dmsmlflow.platform.secrets.SecretSealer;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/**
 * The {@link SecretSealer} of the service: the local master key by default. A deployment with a KMS provides its own
 * {@code SecretSealer} bean, which replaces this default one.
 */
@ApplicationScoped
public class SealerProducer {

    private static final Logger LOG = Logger.getLogger(SealerProducer.class);

    @Produces
    @DefaultBean
    @Singleton
    SecretSealer sealer(InstanceConfig config) {
        String provider = config.secrets().provider();
        if (!"local".equals(provider)) {
            throw new IllegalStateException("dms.secrets.provider=" + provider + " has no implementation here: only local ships;"
                    + " provide a SecretSealer bean for another one");
        }
        Path file = Path.of(config.secrets().local().masterKeyFile()).toAbsolutePath().normalize();
        AesGcmSealer sealer = AesGcmSealer.fromKeyFile(file, config.secrets().local().createIfMissing());
        LOG.infof("secrets sealed with AES-256-GCM under the master key in %s (key id %s)", file, sealer.keyId());
        return sealer;
    }
}

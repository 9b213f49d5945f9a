package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.messaging.KafkaClientProperties;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;

import java.util.HashMap;
import java.util.Map;

/**
 * Makes the service's {@code kafka.*} configuration one {@link KafkaClientProperties} bean that the relay, the health
 * check and every consumer pass to their Kafka clients. A service configures, with the secret from its environment:
 * <pre>
 * kafka.bootstrap.servers=${DMS_KAFKA_BOOTSTRAP:127.0.0.1:19092}
 * kafka.security.protocol=SASL_PLAINTEXT
 * kafka.sasl.mechanism=SCRAM-SHA-512
 * kafka.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${DMS_KAFKA_USER:...}" password="${DMS_KAFKA_PASSWORD:}";
 * </pre>
 */
@ApplicationScoped
public class KafkaClientPropertiesProducer {

    private static final String PREFIX = "kafka.";

    @Produces
    @Singleton
    KafkaClientProperties kafkaClientProperties(Config config) {
        Map<String, String> properties = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
                config.getOptionalValue(name, String.class).ifPresent(v -> properties.put(name.substring(PREFIX.length()), v));
            }
        }
        return KafkaClientProperties.of(properties);
    }
}

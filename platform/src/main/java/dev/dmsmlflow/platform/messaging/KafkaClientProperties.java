package dev.dmsmlflow.platform.messaging;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The connection settings every Kafka client of a service shares (producers, consumers, admin clients): bootstrap servers
 * and security ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, TLS settings...), taken from
 * the service's {@code kafka.*} configuration with the prefix removed. {@link #toString()} never shows a secret: the JAAS
 * configuration and anything named like a password or key are redacted.
 */
public final class KafkaClientProperties {

    private static final Pattern SECRET = Pattern.compile(".*(jaas|password|secret|key(?!\\.(serializer|deserializer))).*");

    private final Map<String, String> properties;

    private KafkaClientProperties(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    /** From Kafka client property names (without prefix) to values; {@code bootstrap.servers} is required. */
    public static KafkaClientProperties of(Map<String, String> properties) {
        if (properties.get("bootstrap.servers") == null || properties.get("bootstrap.servers").isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap.servers is not set");
        }
        return new KafkaClientProperties(properties);
    }

    /** A mutable copy, to which a client adds its own settings. */
    public Map<String, Object> toMap() {
        return new HashMap<>(properties);
    }

    /** A mutable copy as strings. */
    public Map<String, String> toStringMap() {
        return new HashMap<>(properties);
    }

    public String bootstrapServers() {
        return properties.get("bootstrap.servers");
    }

    /** The authenticated user named in {@code sasl.jaas.config}, if any (for logs and health data). */
    public String user() {
        String jaas = properties.get("sasl.jaas.config");
        if (jaas == null) {
            return null;
        }
        var m = Pattern.compile("username=\"([^\"]*)\"").matcher(jaas);
        return m.find() ? m.group(1) : null;
    }

    /** Whether {@code name} holds a secret (and is shown as {@code [hidden]}). */
    public static boolean isSecret(String name) {
        return SECRET.matcher(name.toLowerCase()).matches();
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        properties.forEach((k, v) -> shown.put(k, isSecret(k) ? "[hidden]" : v));
        return "KafkaClientProperties" + shown;
    }
}

package dev.dmsmlflow.contracts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * How many partitions each topic of {@link TopicAccess#topics()} has: the defaults of {@code contracts/topics.properties}
 * (the one place they are written), each overridable by the installation ({@code dms.topics.<topic>.partitions} as a
 * system property, or {@code DMS_TOPICS_<TOPIC>_PARTITIONS} in the environment). Whoever creates topics uses it.
 */
public final class TopicConfig {

    private static final String RESOURCE = "contracts/topics.properties";

    private final Map<String, Integer> partitions;

    private TopicConfig(Map<String, Integer> partitions) {
        this.partitions = Map.copyOf(partitions);
    }

    /** The defaults with the overrides of this JVM's system properties and environment. */
    public static TopicConfig fromEnvironment() {
        Map<String, String> env = System.getenv();
        return load(name -> {
            String value = System.getProperty(name);
            return value != null ? value : env.get(environmentName(name));
        });
    }

    /** The defaults with overrides looked up by property name ({@code dms.topics.<topic>.partitions}; null when not set). */
    public static TopicConfig load(Function<String, String> overrides) {
        Properties defaults = new Properties();
        try (InputStream in = TopicConfig.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int fallback = positive("default.partitions", defaults.getProperty("default.partitions", "1"));
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String topic : TopicAccess.topics()) {
            String property = property(topic);
            String override = overrides.apply(property);
            String value = override != null && !override.isBlank() ? override : defaults.getProperty(topic + ".partitions");
            out.put(topic, value == null ? fallback : positive(property, value));
        }
        return new TopicConfig(out);
    }

    /** The partitions of {@code topic} (one of {@link TopicAccess#topics()}). */
    public int partitions(String topic) {
        Integer n = partitions.get(topic);
        if (n == null) {
            throw new IllegalArgumentException("not a topic of the contracts: " + topic);
        }
        return n;
    }

    /** Every topic of the contracts with its partitions, in {@link TopicAccess#topics()} order. */
    public Map<String, Integer> all() {
        Map<String, Integer> ordered = new LinkedHashMap<>();
        TopicAccess.topics().forEach(t -> ordered.put(t, partitions.get(t)));
        return ordered;
    }

    /** The override property of {@code topic}: {@code dms.topics.<topic>.partitions}. */
    public static String property(String topic) {
        return "dms.topics." + topic + ".partitions";
    }

    /** The environment variable of a property: upper case, every other character than a letter or digit as '_'. */
    static String environmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive number of partitions, not '" + value + "'");
    }

    @Override
    public String toString() {
        return "TopicConfig" + all();
    }
}

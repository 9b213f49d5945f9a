package dev.dmsmlflow.platform.outbox;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the relay reads (a service's PostgreSQL database) and writes (Kafka), and how it is tuned.
 * {@code name} identifies the relay's offsets; {@code slotName} its replication slot (one per service database).
 */
public record RelaySettings(String name, String slotName, String dbHost, int dbPort, String database, String dbUser,
                            String dbPassword, String bootstrapServers, Duration pollInterval, int maxBatchSize,
                            Duration offsetFlushInterval, Duration retention, Map<String, String> producerOverrides) {

    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");

    public RelaySettings {
        Objects.requireNonNull(name, "name");
        if (slotName == null || !SLOT.matcher(slotName).matches()) {
            throw new IllegalArgumentException("slot name must be 1-63 lowercase letters, digits or '_': " + slotName);
        }
        Objects.requireNonNull(dbHost, "dbHost");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        pollInterval = pollInterval == null ? Duration.ofMillis(20) : pollInterval;
        maxBatchSize = maxBatchSize <= 0 ? 2048 : maxBatchSize;
        offsetFlushInterval = offsetFlushInterval == null ? Duration.ofSeconds(1) : offsetFlushInterval;
        retention = retention == null ? Duration.ofHours(24) : retention;
        producerOverrides = producerOverrides == null ? Map.of() : Map.copyOf(producerOverrides);
    }

    /** Settings for the database behind a {@code jdbc:postgresql://host:port/db} URL, with default tuning. */
    public static RelaySettings forJdbcUrl(String slotName, String jdbcUrl, String user, String password, String bootstrapServers) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("JDBC URL names no database: " + jdbcUrl);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        return new RelaySettings(slotName, slotName, uri.getHost(), port, path, user, password, bootstrapServers,
                null, 0, null, null, null);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + dbHost + ":" + dbPort + "/" + database;
    }

    public RelaySettings withPollInterval(Duration interval) {
        return new RelaySettings(name, slotName, dbHost, dbPort, database, dbUser, dbPassword, bootstrapServers,
                interval, maxBatchSize, offsetFlushInterval, retention, producerOverrides);
    }

    /**
     * With Kafka client settings every client of the service shares (security protocol, SASL login, TLS...) added to the
     * producer's configuration; they never appear in {@link #toString()}.
     */
    public RelaySettings withClientProperties(Map<String, String> clientProperties) {
        Map<String, String> merged = new java.util.HashMap<>(clientProperties);
        merged.remove("bootstrap.servers");
        merged.putAll(producerOverrides);
        return withProducerOverrides(merged);
    }

    public RelaySettings withProducerOverrides(Map<String, String> overrides) {
        return new RelaySettings(name, slotName, dbHost, dbPort, database, dbUser, dbPassword, bootstrapServers,
                pollInterval, maxBatchSize, offsetFlushInterval, retention, overrides);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "RelaySettings[name=" + name + ", slot=" + slotName + ", db=" + jdbcUrl() + ", user=" + dbUser
                + ", kafka=" + bootstrapServers + ", poll=" + pollInterval + ", batch=" + maxBatchSize + "]";
    }
}

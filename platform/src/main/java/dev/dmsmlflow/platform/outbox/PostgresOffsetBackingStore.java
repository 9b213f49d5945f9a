package dev.dmsmlflow.platform.outbox;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the relay's source offsets (the last relayed WAL position) in the service's own PostgreSQL
 * table {@code relay_offset}, so a restarted relay resumes where it stopped.
 */
public class PostgresOffsetBackingStore extends MemoryOffsetBackingStore {

    public static final String URL = "offset.storage.postgres.url";
    public static final String USER = "offset.storage.postgres.user";
    public static final String PASSWORD = "offset.storage.postgres.password";
    public static final String RELAY_NAME = "offset.storage.postgres.relay-name";

    private String url;
    private String user;
    private String password;
    private String relayName;
    private Map<ByteBuffer, ByteBuffer> persisted = Map.of();

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, String> originals = config.originalsStrings();
        url = require(originals, URL);
        user = require(originals, USER);
        password = originals.getOrDefault(PASSWORD, "");
        relayName = require(originals, RELAY_NAME);
    }

    @Override
    public synchronized void start() {
        super.start();
        Map<ByteBuffer, ByteBuffer> loaded = new HashMap<>();
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT offset_key, offset_val FROM relay_offset WHERE relay_name = ?")) {
            ps.setString(1, relayName);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byte[] value = rs.getBytes(2);
                    loaded.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
                }
            }
        } catch (SQLException e) {
            throw new ConnectException("could not load relay offsets for " + relayName, e);
        }
        data.putAll(loaded);
        persisted = new HashMap<>(loaded);
    }

    /** Called on the store's executor after each {@code set}: writes the entries that changed. */
    @Override
    protected void save() {
        Map<ByteBuffer, ByteBuffer> changed = new HashMap<>();
        data.forEach((k, v) -> {
            if (!persisted.containsKey(k) || !java.util.Objects.equals(persisted.get(k), v)) {
                changed.put(k, v);
            }
        });
        if (changed.isEmpty()) {
            return;
        }
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("INSERT INTO relay_offset (relay_name, offset_key, offset_val, updated_at) "
                     + "VALUES (?, ?, ?, now()) ON CONFLICT (relay_name, offset_key) "
                     + "DO UPDATE SET offset_val = EXCLUDED.offset_val, updated_at = now()")) {
            for (Map.Entry<ByteBuffer, ByteBuffer> e : changed.entrySet()) {
                ps.setString(1, relayName);
                ps.setBytes(2, bytes(e.getKey()));
                ps.setBytes(3, e.getValue() == null ? null : bytes(e.getValue()));
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new ConnectException("could not save relay offsets for " + relayName, e);
        }
        Map<ByteBuffer, ByteBuffer> next = new HashMap<>(persisted);
        next.putAll(changed);
        persisted = next;
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Collections.emptySet();
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static String require(Map<String, String> config, String key) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            throw new ConnectException("missing relay offset setting " + key);
        }
        return value;
    }
}

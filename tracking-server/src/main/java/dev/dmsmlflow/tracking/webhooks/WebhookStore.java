package dev.dmsmlflow.tracking.webhooks;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.PageToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Webhooks and the events they subscribe to. */
@ApplicationScoped
public class WebhookStore {
    @Inject
    Db db;

    /** A stored webhook; {@code secret} is the encrypted form (never written to clients). */
    public record Webhook(String id, String name, String description, String url, String secret, String status,
                          long created, long updated, List<WebhookEvent> events) {
        public boolean active() {
            return "ACTIVE".equals(status);
        }

        public void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("webhook_id", id);
            g.writeStringField("name", name);
            Json.str(g, "description", description);
            g.writeStringField("url", url);
            g.writeArrayFieldStart("events");
            for (WebhookEvent e : events) {
                g.writeStartObject();
                g.writeStringField("entity", e.entity());
                g.writeStringField("action", e.action());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("status", status);
            g.writeNumberField("creation_timestamp", created);
            g.writeNumberField("last_updated_timestamp", updated);
            g.writeEndObject();
        }
    }

    public record Page(List<Webhook> items, String nextPageToken) {
    }

    public Webhook create(String name, String description, String url, List<WebhookEvent> events, String secret, String status) {
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhooks (webhook_id, name, description, url, "
                    + "secret_encrypted, status, creation_timestamp, last_updated_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, name);
                ps.setString(3, description);
                ps.setString(4, url);
                ps.setString(5, secret);
                ps.setString(6, status);
                ps.setLong(7, now);
                ps.setLong(8, now);
                ps.executeUpdate();
            }
            setEvents(c, id, events);
            return load(c, id);
        });
    }

    private static void setEvents(Connection c, String id, List<WebhookEvent> events) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM webhook_events WHERE webhook_id = ?")) {
            del.setString(1, id);
            del.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_events (webhook_id, entity, action) VALUES (?, ?, ?) "
                + "ON CONFLICT DO NOTHING")) {
            for (WebhookEvent e : events) {
                ps.setString(1, id);
                ps.setString(2, e.entity());
                ps.setString(3, e.action());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Fields left null are kept. */
    public Webhook update(String id, String name, String description, String url, List<WebhookEvent> events, String secret,
                          String status) {
        return db.tx(c -> {
            load(c, id);
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhooks SET name = COALESCE(?, name), "
                    + "description = COALESCE(?, description), url = COALESCE(?, url), "
                    + "secret_encrypted = COALESCE(?, secret_encrypted), status = COALESCE(?, status), "
                    + "last_updated_timestamp = ? WHERE webhook_id = ?")) {
                ps.setString(1, name);
                ps.setString(2, description);
                ps.setString(3, url);
                ps.setString(4, secret);
                ps.setString(5, status);
                ps.setLong(6, System.currentTimeMillis());
                ps.setString(7, id);
                ps.executeUpdate();
            }
            if (events != null) {
                setEvents(c, id, events);
            }
            return load(c, id);
        });
    }

    public Webhook get(String id) {
        return db.read(c -> load(c, id));
    }

    public void delete(String id) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhooks WHERE webhook_id = ?")) {
                ps.setString(1, id);
                if (ps.executeUpdate() == 0) {
                    throw notFound(id);
                }
            }
            return null;
        });
    }

    static MlflowException notFound(String id) {
        return MlflowException.notFound("Webhook with ID " + id + " not found.");
    }

    public Page list(int maxResults, String token) {
        long offset = PageToken.decodeOffset(token);
        return db.read(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT webhook_id FROM webhooks ORDER BY creation_timestamp DESC, "
                    + "webhook_id LIMIT ? OFFSET ?")) {
                ps.setInt(1, maxResults + 1);
                ps.setLong(2, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            boolean more = ids.size() > maxResults;
            List<Webhook> out = new ArrayList<>();
            for (String id : more ? ids.subList(0, maxResults) : ids) {
                out.add(load(c, id));
            }
            return new Page(out, more ? PageToken.encode(offset + maxResults) : null);
        });
    }

    /** Active webhooks subscribed to an event. */
    public List<Webhook> activeFor(WebhookEvent event) {
        return db.read(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT w.webhook_id FROM webhooks w JOIN webhook_events e "
                    + "ON e.webhook_id = w.webhook_id WHERE e.entity = ? AND e.action = ? AND w.status = 'ACTIVE'")) {
                ps.setString(1, event.entity());
                ps.setString(2, event.action());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            List<Webhook> out = new ArrayList<>();
            for (String id : ids) {
                out.add(load(c, id));
            }
            return out;
        });
    }

    /** Whether a registered model is a prompt (tagged mlflow.prompt.is_prompt = true). */
    public boolean isPrompt(String modelName) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM registered_models m JOIN registered_model_tags t "
                    + "ON t.registered_model_id = m.id WHERE m.name = ? AND t.key = 'mlflow.prompt.is_prompt' "
                    + "AND lower(t.value) = 'true'")) {
                ps.setString(1, modelName);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    static Webhook load(Connection c, String id) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, description, url, secret_encrypted, status, "
                + "creation_timestamp, last_updated_timestamp FROM webhooks WHERE webhook_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw notFound(id);
                }
                for (int i = 1; i <= 7; i++) {
                    row.put("c" + i, rs.getObject(i));
                }
            }
        }
        List<WebhookEvent> events = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT entity, action FROM webhook_events WHERE webhook_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new WebhookEvent(rs.getString(1), rs.getString(2)));
                }
            }
        }
        events.sort(Comparator.comparing((WebhookEvent e) -> e.entity()).thenComparing(WebhookEvent::action));
        return new Webhook(id, (String) row.get("c1"), (String) row.get("c2"), (String) row.get("c3"), (String) row.get("c4"),
                (String) row.get("c5"), ((Number) row.get("c6")).longValue(), ((Number) row.get("c7")).longValue(), events);
    }
}

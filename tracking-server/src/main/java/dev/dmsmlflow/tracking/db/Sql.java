package dev.dmsmlflow.tracking.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Builds a SQL statement and its bind values side by side; values are never pasted into the text. */
public final class Sql {
    private final StringBuilder text = new StringBuilder(256);
    private final List<Object> values = new ArrayList<>();

    public Sql append(String fragment, Object... bind) {
        text.append(fragment);
        for (Object b : bind) {
            values.add(b);
        }
        return this;
    }

    public String text() {
        return text.toString();
    }

    public List<Object> values() {
        return values;
    }

    /** Prepares the statement and binds the values (String[] binds as a text array). */
    public PreparedStatement prepare(Connection c) throws SQLException {
        PreparedStatement ps = c.prepareStatement(text.toString());
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            if (v instanceof String[] arr) {
                ps.setArray(i + 1, c.createArrayOf("text", arr));
            } else if (v instanceof Long[] arr) {
                ps.setArray(i + 1, c.createArrayOf("bigint", arr));
            } else {
                ps.setObject(i + 1, v);
            }
        }
        return ps;
    }

    @Override
    public String toString() {
        return text + " " + values;
    }
}

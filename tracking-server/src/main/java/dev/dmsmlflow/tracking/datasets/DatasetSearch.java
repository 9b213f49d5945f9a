package dev.dmsmlflow.tracking.datasets;

import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.traces.TraceFilter;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Filters and orders for datasets/search: name, created_time, last_update_time, created_by, last_updated_by, tags. */
final class DatasetSearch {
    private static final Map<String, String> COLUMNS = Map.of("name", "d.name", "dataset_id", "d.dataset_id",
            "created_by", "d.created_by", "last_updated_by", "d.last_updated_by", "digest", "d.digest");
    private static final Map<String, String> NUMERIC = Map.of("created_time", "d.created_time",
            "last_update_time", "d.last_update_time");

    private DatasetSearch() {
    }

    static void clause(Sql sql, TraceFilter.Clause c) {
        String cmp = c.comparator();
        if (c.type().equals(TraceFilter.TAG)) {
            if (cmp.equals("IS NULL")) {
                sql.append("NOT EXISTS (SELECT 1 FROM evaluation_dataset_tags g WHERE g.dataset_id = d.dataset_id AND g.key = ?)", c.key());
                return;
            }
            sql.append("EXISTS (SELECT 1 FROM evaluation_dataset_tags g WHERE g.dataset_id = d.dataset_id AND g.key = ?", c.key());
            if (!cmp.equals("IS NOT NULL")) {
                sql.append(" AND ");
                string(sql, "g.value", c);
            }
            sql.append(")");
            return;
        }
        if (!c.type().equals(TraceFilter.ATTRIBUTE)) {
            throw MlflowException.invalidParameter("Invalid dataset filter entity '" + c.type() + "'");
        }
        String k = c.key().toLowerCase(Locale.ROOT);
        if (NUMERIC.containsKey(k)) {
            if (!(c.value() instanceof Double d) || !List.of("=", "!=", "<", "<=", ">", ">=").contains(cmp)) {
                throw MlflowException.invalidParameter("Invalid filter on '" + c.key() + "': compare it with a number");
            }
            sql.append(NUMERIC.get(k) + " " + cmp + " ?", d.longValue());
            return;
        }
        String col = COLUMNS.get(k);
        if (col == null) {
            throw MlflowException.invalidParameter("Invalid dataset filter key '" + c.key() + "'. Valid keys are name, "
                    + "created_time, last_update_time, created_by, last_updated_by, tags.<key>");
        }
        string(sql, col, c);
    }

    private static void string(Sql sql, String col, TraceFilter.Clause c) {
        if (!(c.value() instanceof String s)) {
            throw MlflowException.invalidParameter("Invalid filter on '" + c.key() + "': compare it with a quoted string");
        }
        switch (c.comparator()) {
            case "=", "!=", "LIKE" -> sql.append(col + " " + c.comparator() + " ?", s);
            case "ILIKE" -> sql.append(col + " ILIKE ?", s);
            default -> throw MlflowException.invalidParameter("Invalid comparator '" + c.comparator() + "' for '" + c.key() + "'");
        }
    }

    static void order(Sql sql, String item) {
        TraceFilter.Order o = TraceFilter.parseOrder(item);
        String k = o.key().toLowerCase(Locale.ROOT);
        String col = NUMERIC.getOrDefault(k, COLUMNS.get(k));
        if (col == null || !o.type().equals(TraceFilter.ATTRIBUTE)) {
            throw MlflowException.invalidParameter("Invalid order_by key '" + item + "'. Valid keys are name, created_time, "
                    + "last_update_time");
        }
        sql.append(col + (o.ascending() ? " ASC" : " DESC"));
    }
}

package dev.dmsmlflow.tracking.registry;

import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.FilterParser;
import dev.dmsmlflow.tracking.search.FilterParser.Clause;
import dev.dmsmlflow.tracking.search.FilterParser.OrderTerm;
import dev.dmsmlflow.tracking.search.FilterParser.Value;
import dev.dmsmlflow.tracking.search.PageToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Registered model and model version search: filter and order_by parsed into parameterized SQL, offset page tokens. */
@ApplicationScoped
public class RegistrySearch {
    public static final int MODELS_DEFAULT_MAX = 100;
    public static final int MODELS_MAX = 1000;
    public static final int VERSIONS_DEFAULT_MAX = 200_000;
    public static final int VERSIONS_MAX = 200_000;
    static final String PROMPT_TAG = "mlflow.prompt.is_prompt";

    private static final Set<String> STRING_OPS = Set.of("=", "!=", "LIKE", "ILIKE");
    private static final Set<String> NUMERIC_OPS = Set.of("=", "!=", ">", ">=", "<", "<=");

    @Inject
    RegistryStore store;

    public RegistryStore.Page<RegisteredModel> searchModels(String filter, int maxResults, List<String> orderBy, String pageToken) {
        long offset = PageToken.decodeOffset(pageToken);
        List<Clause> clauses = FilterParser.parseFilter(filter);
        Sql sql = new Sql().append("SELECT " + RegistryStore.RM_COLUMNS + " FROM registered_models rm WHERE TRUE");
        boolean prompts = queriesPrompts(clauses);
        for (Clause cl : clauses) {
            if (!prompts && isPromptClause(cl)) {
                stringCompare(new Sql(), "t.value", cl); // still validated
                continue; // "not a prompt" is said by the exclusion below, also for models without the tag
            }
            sql.append(" AND ");
            switch (cl.type()) {
                case FilterParser.ATTRIBUTE -> {
                    if (!cl.key().equals("name")) {
                        throw MlflowException.invalidParameter("Invalid attribute key '" + cl.key()
                                + "' specified. Valid keys are '{'name'}'");
                    }
                    stringCompare(sql, "rm.name", cl);
                }
                case FilterParser.TAG -> {
                    sql.append("EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.registered_model_id = rm.id AND t.key = ? AND ",
                            cl.key());
                    stringCompare(sql, "t.value", cl);
                    sql.append(")");
                }
                default -> throw MlflowException.invalidParameter("Invalid entity type '" + cl.type()
                        + "'. Valid entity types for registered model search are ['attribute', 'tag']");
            }
        }
        if (!prompts) {
            sql.append(" AND NOT EXISTS (SELECT 1 FROM registered_model_tags pt WHERE pt.registered_model_id = rm.id "
                    + "AND pt.key = ? AND pt.value = 'true')", PROMPT_TAG);
        }
        Set<String> seen = new HashSet<>();
        List<String> parts = orderColumns(orderBy, MODEL_ORDER_COLUMNS,
                "['name', 'creation_timestamp', 'last_updated_timestamp']", seen);
        if (!seen.contains("rm.name")) {
            parts.add("rm.name ASC");
        }
        sql.append(" ORDER BY " + String.join(", ", parts));
        sql.append(" LIMIT ? OFFSET ?", maxResults + 1, offset);
        List<RegisteredModel> models = store.queryModels(sql);
        String next = null;
        if (models.size() > maxResults) {
            models = new ArrayList<>(models.subList(0, maxResults));
            next = PageToken.encode(offset + maxResults);
        }
        return new RegistryStore.Page<>(models, next);
    }

    public RegistryStore.Page<ModelVersion> searchVersions(String filter, int maxResults, List<String> orderBy, String pageToken) {
        long offset = PageToken.decodeOffset(pageToken);
        List<Clause> clauses = FilterParser.parseFilter(filter);
        Sql sql = new Sql().append("SELECT " + RegistryStore.MV_COLUMNS + RegistryStore.MV_FROM + " WHERE TRUE");
        boolean prompts = queriesPrompts(clauses);
        for (Clause cl : clauses) {
            if (!prompts && isPromptClause(cl)) {
                stringCompare(new Sql(), "t.value", cl);
                continue;
            }
            sql.append(" AND ");
            switch (cl.type()) {
                case FilterParser.ATTRIBUTE -> {
                    switch (cl.key()) {
                        case "name" -> stringCompare(sql, "rm.name", cl);
                        case "source_path" -> stringCompare(sql, "mv.source", cl);
                        case "run_id" -> {
                            if (cl.comparator().equals("IN") || cl.comparator().equals("NOT IN")) {
                                if (cl.value().kind() != Value.Kind.LIST) {
                                    throw MlflowException.invalidParameter("Expected a list of quoted strings for '"
                                            + cl.comparator() + "' on run_id, e.g. run_id IN ('a', 'b'). Got " + cl.value());
                                }
                                String[] ids = cl.value().list().toArray(String[]::new);
                                if (cl.comparator().equals("IN")) {
                                    sql.append("mv.run_id = ANY(?)", (Object) ids);
                                } else {
                                    sql.append("(mv.run_id IS NULL OR NOT (mv.run_id = ANY(?)))", (Object) ids);
                                }
                            } else {
                                if (!Set.of("=", "!=").contains(cl.comparator())) {
                                    throw MlflowException.invalidParameter("Invalid comparator '" + cl.comparator()
                                            + "' not one of '['=', '!=', 'IN', 'NOT IN']' for run_id");
                                }
                                stringCompare(sql, "mv.run_id", cl);
                            }
                        }
                        case "version_number", "version" -> {
                            if (!NUMERIC_OPS.contains(cl.comparator())) {
                                throw MlflowException.invalidParameter("Invalid comparator '" + cl.comparator()
                                        + "' not one of '['=', '!=', '>', '>=', '<', '<=']' for version_number");
                            }
                            Double d = numberOrNumericString(cl);
                            sql.append("mv.version " + cl.comparator() + " ?", d);
                        }
                        default -> throw MlflowException.invalidParameter("Invalid attribute key '" + cl.key()
                                + "' specified. Valid keys are '{'name', 'version_number', 'run_id', 'source_path'}'");
                    }
                }
                case FilterParser.TAG -> {
                    sql.append("EXISTS (SELECT 1 FROM model_version_tags t WHERE t.registered_model_id = mv.registered_model_id "
                            + "AND t.version = mv.version AND t.key = ? AND ", cl.key());
                    stringCompare(sql, "t.value", cl);
                    sql.append(")");
                }
                default -> throw MlflowException.invalidParameter("Invalid entity type '" + cl.type()
                        + "'. Valid entity types for model version search are ['attribute', 'tag']");
            }
        }
        if (!prompts) {
            sql.append(" AND NOT EXISTS (SELECT 1 FROM registered_model_tags pt WHERE pt.registered_model_id = mv.registered_model_id "
                    + "AND pt.key = ? AND pt.value = 'true')", PROMPT_TAG);
        }
        Set<String> seen = new HashSet<>();
        List<String> parts = orderColumns(orderBy, VERSION_ORDER_COLUMNS,
                "['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp']", seen);
        if (!seen.contains("rm.name")) {
            parts.add("rm.name ASC");
        }
        if (!seen.contains("mv.version")) {
            parts.add("mv.version DESC");
        }
        sql.append(" ORDER BY " + String.join(", ", parts));
        sql.append(" LIMIT ? OFFSET ?", maxResults + 1, offset);
        List<ModelVersion> versions = store.queryVersions(sql);
        String next = null;
        if (versions.size() > maxResults) {
            versions = new ArrayList<>(versions.subList(0, maxResults));
            next = PageToken.encode(offset + maxResults);
        }
        return new RegistryStore.Page<>(versions, next);
    }

    private static boolean isPromptClause(Clause cl) {
        return FilterParser.TAG.equals(cl.type()) && PROMPT_TAG.equals(cl.key());
    }

    /**
     * Whether a search asks for prompts rather than models, as upstream decides it: the first clause on the
     * {@code mlflow.prompt.is_prompt} tag is {@code = 'true'} or {@code != 'false'} (any case). Otherwise the
     * prompt clauses are dropped and prompts are excluded, so that {@code != 'true'} (which Python clients
     * 3.x add to every registered model search) and {@code = 'false'} match models that have no such tag.
     */
    static boolean queriesPrompts(List<Clause> clauses) {
        for (Clause cl : clauses) {
            if (!isPromptClause(cl)) {
                continue;
            }
            if (cl.value().kind() != Value.Kind.STRING) {
                return false;
            }
            String v = cl.value().text().toLowerCase(java.util.Locale.ROOT);
            return (cl.comparator().equals("=") && v.equals("true")) || (cl.comparator().equals("!=") && v.equals("false"));
        }
        return false;
    }

    private static Double numberOrNumericString(Clause cl) {
        Value v = cl.value();
        if (v.kind() == Value.Kind.NUMBER && v.number() != null) {
            return v.number();
        }
        if (v.kind() == Value.Kind.STRING) {
            try {
                return Double.parseDouble(v.text().trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw MlflowException.invalidParameter("Expected numeric value type for numeric attribute: " + cl.key()
                + ". Found " + v);
    }

    private static void stringCompare(Sql sql, String col, Clause cl) {
        if (!STRING_OPS.contains(cl.comparator())) {
            throw MlflowException.invalidParameter("Invalid comparator '" + cl.comparator() + "' not one of "
                    + "'['=', '!=', 'LIKE', 'ILIKE']'");
        }
        if (cl.value().kind() != Value.Kind.STRING) {
            throw MlflowException.invalidParameter("Expected a quoted string value for " + cl.type() + " '" + cl.key()
                    + "' (e.g. 'my-value'). Got value " + cl.value());
        }
        String v = cl.value().text();
        switch (cl.comparator()) {
            case "=" -> sql.append(col + " = ?", v);
            case "!=" -> sql.append("(" + col + " IS NULL OR " + col + " <> ?)", v);
            case "LIKE" -> sql.append(col + " LIKE ?", v);
            default -> sql.append(col + " ILIKE ?", v);
        }
    }

    /** order_by key (with its aliases) -> column, for registered models. */
    private static final Map<String, String> MODEL_ORDER_COLUMNS = Map.of(
            "name", "rm.name",
            "creation_timestamp", "rm.creation_time", "creation_time", "rm.creation_time",
            "last_updated_timestamp", "rm.last_updated_time", "last_updated_time", "rm.last_updated_time",
            "timestamp", "rm.last_updated_time");

    /** order_by key (with its aliases) -> column, for model versions. */
    private static final Map<String, String> VERSION_ORDER_COLUMNS = Map.of(
            "name", "rm.name",
            "version_number", "mv.version", "version", "mv.version",
            "creation_timestamp", "mv.creation_time", "creation_time", "mv.creation_time",
            "last_updated_timestamp", "mv.last_updated_time", "last_updated_time", "mv.last_updated_time",
            "timestamp", "mv.last_updated_time");

    /**
     * Parses order_by items into "column ASC|DESC" terms: attribute keys of {@code columns} only, none twice.
     * The columns used are added to {@code seen} so callers can append their tie-breakers.
     */
    private static List<String> orderColumns(List<String> orderBy, Map<String, String> columns, String validKeys,
                                             Set<String> seen) {
        List<String> parts = new ArrayList<>();
        for (String item : orderBy) {
            OrderTerm t = FilterParser.parseOrderBy(item);
            if (!FilterParser.ATTRIBUTE.equals(t.type())) {
                throw MlflowException.invalidParameter("Invalid order by key '" + item + "' specified. Valid keys are " + validKeys);
            }
            String col = columns.get(t.key());
            if (col == null) {
                throw MlflowException.invalidParameter("Invalid order by key '" + t.key() + "' specified. Valid keys are " + validKeys);
            }
            if (!seen.add(col)) {
                throw MlflowException.invalidParameter("`order_by` contains duplicate fields: " + orderBy);
            }
            parts.add(col + (t.ascending() ? " ASC" : " DESC"));
        }
        return parts;
    }
}

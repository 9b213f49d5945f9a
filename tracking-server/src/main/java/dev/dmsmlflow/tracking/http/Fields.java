package dev.dmsmlflow.tracking.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Typed, validating access to request fields, from a JSON object or from GET query parameters.
 * Names are given in snake_case; the lowerCamelCase spelling is accepted too. int64 values may be
 * numbers or strings, doubles may be "NaN"/"Infinity"/"-Infinity". A value of the wrong type is a
 * 400 INVALID_PARAMETER_VALUE.
 */
public final class Fields {
    private final ObjectNode json;
    private final MultiMap query;

    private Fields(ObjectNode json, MultiMap query) {
        this.json = json;
        this.query = query;
    }

    public static Fields ofJson(ObjectNode json) {
        return new Fields(json, null);
    }

    public static Fields ofQuery(MultiMap query) {
        return new Fields(null, query);
    }

    public static Fields empty() {
        return new Fields(Json.MAPPER.createObjectNode(), null);
    }

    /** The underlying JSON object, or null for query parameters. */
    public ObjectNode jsonObject() {
        return json;
    }

    /** Field names come from code (a small fixed set): their lowerCamel spellings are computed once. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> CAMEL = new java.util.concurrent.ConcurrentHashMap<>();

    static String camel(String snake) {
        String known = CAMEL.get(snake);
        if (known != null) {
            return known;
        }
        String c = toCamel(snake);
        if (CAMEL.size() < 10_000) {
            CAMEL.put(snake, c);
        }
        return c;
    }

    private static String toCamel(String snake) {
        int i = snake.indexOf('_');
        if (i < 0) {
            return snake;
        }
        StringBuilder sb = new StringBuilder(snake.length());
        boolean up = false;
        for (int k = 0; k < snake.length(); k++) {
            char c = snake.charAt(k);
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private JsonNode node(String name) {
        JsonNode n = json.get(name);
        if (n == null) {
            String c = camel(name);
            if (!c.equals(name)) {
                n = json.get(c);
            }
        }
        return n == null || n.isNull() ? null : n;
    }

    private List<String> queryValues(String name) {
        List<String> v = query.getAll(name);
        if (v.isEmpty()) {
            String c = camel(name);
            if (!c.equals(name)) {
                v = query.getAll(c);
            }
        }
        return v;
    }

    public boolean has(String name) {
        return json != null ? node(name) != null : !queryValues(name).isEmpty();
    }

    private static MlflowException wrongType(String name, Object value, String expected) {
        String shown = String.valueOf(value);
        if (shown.length() > 100) {
            shown = shown.substring(0, 100) + "...";
        }
        return MlflowException.invalidParameter("Invalid value " + shown + " for parameter '" + name
                + "' supplied. Expected " + expected + ".");
    }

    /** A string field, or null when absent. */
    public String string(String name) {
        if (json != null) {
            JsonNode n = node(name);
            if (n == null) {
                return null;
            }
            if (!n.isTextual()) {
                throw wrongType(name, n, "a string");
            }
            return n.textValue();
        }
        List<String> v = queryValues(name);
        return v.isEmpty() ? null : v.get(0);
    }

    public String requiredString(String name) {
        String s = string(name);
        if (s == null || s.isEmpty()) {
            throw MlflowException.missing(name);
        }
        return s;
    }

    /** An int64 field (number or numeric string), or null when absent. */
    public Long int64(String name) {
        String text;
        if (json != null) {
            JsonNode n = node(name);
            if (n == null) {
                return null;
            }
            if (n.isIntegralNumber()) {
                if (!n.canConvertToLong()) {
                    throw wrongType(name, n, "a 64-bit integer");
                }
                return n.longValue();
            }
            if (n.isNumber()) {
                java.math.BigDecimal d = n.decimalValue();
                try {
                    return d.longValueExact();
                } catch (ArithmeticException e) {
                    throw wrongType(name, n, "a 64-bit integer");
                }
            }
            if (!n.isTextual()) {
                throw wrongType(name, n, "a 64-bit integer");
            }
            text = n.textValue();
        } else {
            List<String> v = queryValues(name);
            if (v.isEmpty()) {
                return null;
            }
            text = v.get(0);
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw wrongType(name, "'" + text + "'", "a 64-bit integer");
        }
    }

    public long int64(String name, long defaultValue) {
        Long v = int64(name);
        return v == null ? defaultValue : v;
    }

    public int int32(String name, int defaultValue) {
        Long v = int64(name);
        if (v == null) {
            return defaultValue;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw wrongType(name, v, "a 32-bit integer");
        }
        return v.intValue();
    }

    /** A double field; accepts numbers and "NaN", "Infinity", "-Infinity" or numeric strings. */
    public Double dbl(String name) {
        String text;
        if (json != null) {
            JsonNode n = node(name);
            if (n == null) {
                return null;
            }
            if (n.isNumber()) {
                return n.doubleValue();
            }
            if (!n.isTextual()) {
                throw wrongType(name, n, "a double");
            }
            text = n.textValue();
        } else {
            List<String> v = queryValues(name);
            if (v.isEmpty()) {
                return null;
            }
            text = v.get(0);
        }
        return parseDouble(name, text);
    }

    static double parseDouble(String name, String text) {
        switch (text.trim()) {
            case "NaN", "nan":
                return Double.NaN;
            case "Infinity", "inf", "+Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity", "-inf":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    String t = text.trim();
                    if (t.isEmpty() || !t.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.' || c == '-'
                            || c == '+' || c == 'e' || c == 'E')) {
                        throw new NumberFormatException();
                    }
                    return Double.parseDouble(t);
                } catch (NumberFormatException e) {
                    throw wrongType(name, "'" + text + "'", "a double");
                }
        }
    }

    public Boolean bool(String name) {
        String text;
        if (json != null) {
            JsonNode n = node(name);
            if (n == null) {
                return null;
            }
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            if (!n.isTextual()) {
                throw wrongType(name, n, "a boolean");
            }
            text = n.textValue();
        } else {
            List<String> v = queryValues(name);
            if (v.isEmpty()) {
                return null;
            }
            text = v.get(0);
        }
        if ("true".equalsIgnoreCase(text)) {
            return true;
        }
        if ("false".equalsIgnoreCase(text)) {
            return false;
        }
        throw wrongType(name, "'" + text + "'", "a boolean");
    }

    public boolean bool(String name, boolean defaultValue) {
        Boolean b = bool(name);
        return b == null ? defaultValue : b;
    }

    /** A repeated string field (JSON array or repeated query keys); empty when absent. */
    public List<String> strings(String name) {
        if (json != null) {
            JsonNode n = node(name);
            if (n == null) {
                return List.of();
            }
            if (n.isTextual()) {
                return List.of(n.textValue());
            }
            if (!n.isArray()) {
                throw wrongType(name, n, "a list of strings");
            }
            List<String> out = new ArrayList<>(n.size());
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw wrongType(name, n, "a list of strings");
                }
                out.add(e.textValue());
            }
            return out;
        }
        return Collections.unmodifiableList(queryValues(name));
    }

    /** A nested message, or null when absent. Query parameters cannot carry messages. */
    public Fields object(String name) {
        if (json == null) {
            return has(name) ? failNested(name) : null;
        }
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw wrongType(name, n, "an object");
        }
        return ofJson((ObjectNode) n);
    }

    /** A repeated nested message; empty when absent. */
    public List<Fields> objects(String name) {
        if (json == null) {
            if (has(name)) {
                failNested(name);
            }
            return List.of();
        }
        JsonNode n = node(name);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw wrongType(name, n, "a list of objects");
        }
        List<Fields> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isObject()) {
                throw wrongType(name, e, "an object");
            }
            out.add(ofJson((ObjectNode) e));
        }
        return out;
    }

    private static Fields failNested(String name) {
        throw MlflowException.invalidParameter("Parameter '" + name + "' cannot be given as a query parameter.");
    }
}

package dev.dmsmlflow.tracking.search;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses MLflow search filter strings ({@code clause AND clause ...}) and order-by items into
 * {@link Clause} and {@link OrderTerm} values. It knows the grammar only; each entity (runs,
 * experiments, models) validates keys and comparators and turns clauses into parameterized SQL.
 */
public final class FilterParser {

    /** Entity type aliases; a bare identifier is an attribute. */
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("metric", "metric"), Map.entry("metrics", "metric"),
            Map.entry("param", "param"), Map.entry("params", "param"),
            Map.entry("parameter", "param"), Map.entry("parameters", "param"),
            Map.entry("tag", "tag"), Map.entry("tags", "tag"),
            Map.entry("attribute", "attribute"), Map.entry("attributes", "attribute"),
            Map.entry("attr", "attribute"), Map.entry("run", "attribute"),
            Map.entry("dataset", "dataset"), Map.entry("datasets", "dataset"));

    public static final String METRIC = "metric";
    public static final String PARAM = "param";
    public static final String TAG = "tag";
    public static final String ATTRIBUTE = "attribute";
    public static final String DATASET = "dataset";

    /**
     * A parsed comparison value: a quoted string, a number (kept as text and parsed), a list of strings,
     * or NONE for the value-less comparators {@code IS NULL} / {@code IS NOT NULL}.
     */
    public record Value(Kind kind, String text, Double number, List<String> list) {
        public enum Kind { STRING, NUMBER, LIST, NONE }

        static final Value NONE = new Value(Kind.NONE, null, null, null);

        @Override
        public String toString() {
            return switch (kind) {
                case STRING -> "'" + text + "'";
                case NUMBER -> text;
                case LIST -> list.toString();
                case NONE -> "(none)";
            };
        }
    }

    /**
     * One comparison: {@code type.key comparator value}; comparator upper-case, multi-word ones with one
     * space ({@code NOT IN}, {@code IS NULL}, {@code IS NOT NULL}; the last two have a {@link Value.Kind#NONE} value).
     */
    public record Clause(String type, String key, String comparator, Value value) {
        public static final String IS_NULL = "IS NULL";
        public static final String IS_NOT_NULL = "IS NOT NULL";

        /** True for {@code IS NULL} and {@code IS NOT NULL}. */
        public boolean isNullCheck() {
            return IS_NULL.equals(comparator) || IS_NOT_NULL.equals(comparator);
        }
    }

    /** One order-by item. */
    public record OrderTerm(String type, String key, boolean ascending) {
    }

    private final String src;
    private int pos;

    private FilterParser(String src) {
        this.src = src;
    }

    /** Parses a filter string; null or blank means no clauses. */
    public static List<Clause> parseFilter(String filter) {
        List<Clause> out = new ArrayList<>();
        if (filter == null || filter.isBlank()) {
            return out;
        }
        FilterParser p = new FilterParser(filter);
        while (true) {
            out.add(p.clause());
            p.skipWs();
            if (p.atEnd()) {
                return out;
            }
            String word = p.peekWord();
            if (word == null || !word.equalsIgnoreCase("AND")) {
                throw invalid("Invalid filter '" + filter + "': expected AND or the end of the filter at position "
                        + p.pos + (word != null && word.equalsIgnoreCase("OR") ? " (OR is not supported)" : ""));
            }
            p.pos += 3;
            p.skipWs();
            if (p.atEnd()) {
                throw invalid("Invalid filter '" + filter + "': a clause must follow AND");
            }
        }
    }

    /** Parses one order-by item such as {@code metrics.`my acc` DESC}. */
    public static OrderTerm parseOrderBy(String item) {
        if (item == null || item.isBlank()) {
            throw invalid("Invalid order_by clause '" + item + "'.");
        }
        FilterParser p = new FilterParser(item);
        p.skipWs();
        String[] id = p.identifier();
        p.skipWs();
        boolean asc = true;
        if (!p.atEnd()) {
            String word = p.peekWord();
            if (word != null && word.equalsIgnoreCase("ASC")) {
                p.pos += 3;
            } else if (word != null && word.equalsIgnoreCase("DESC")) {
                p.pos += 4;
                asc = false;
            } else {
                throw invalid("Invalid order_by clause '" + item + "'. Could not be parsed.");
            }
            p.skipWs();
            if (!p.atEnd()) {
                throw invalid("Invalid order_by clause '" + item + "'. Could not be parsed.");
            }
        }
        return new OrderTerm(id[0], id[1], asc);
    }

    public static MlflowException invalid(String message) {
        return MlflowException.invalidParameter(message);
    }

    private boolean atEnd() {
        return pos >= src.length();
    }

    private void skipWs() {
        while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
            pos++;
        }
    }

    private String peekWord() {
        int i = pos;
        while (i < src.length() && Character.isLetter(src.charAt(i))) {
            i++;
        }
        if (i == pos) {
            return null;
        }
        if (i < src.length() && isBareChar(src.charAt(i))) {
            return null;
        }
        return src.substring(pos, i);
    }

    private static boolean isBareChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':';
    }

    private Clause clause() {
        skipWs();
        String[] id = identifier();
        skipWs();
        String comparator = comparator();
        if (comparator.startsWith("IS ")) {
            return new Clause(id[0], id[1], comparator, Value.NONE);
        }
        skipWs();
        Value v = value();
        return new Clause(id[0], id[1], comparator, v);
    }

    /** Returns {type, key}. */
    private String[] identifier() {
        if (atEnd()) {
            throw invalid("Invalid filter '" + src + "': expected an identifier at the end");
        }
        char c = src.charAt(pos);
        if (c == '`' || c == '"') {
            String quoted = quoted(c);
            // `metrics`.x or "tags".x are allowed forms of the entity type
            if (pos < src.length() && src.charAt(pos) == '.') {
                pos++;
                return new String[]{entityType(quoted), key()};
            }
            return new String[]{ATTRIBUTE, quoted};
        }
        int start = pos;
        while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
            pos++;
        }
        if (pos == start) {
            throw invalid("Invalid filter '" + src + "': expected an identifier at position " + start);
        }
        String first = src.substring(start, pos);
        if (pos < src.length() && src.charAt(pos) == '.') {
            pos++;
            return new String[]{entityType(first), key()};
        }
        // Two-word alias "run name" style keys are not supported unquoted; plain attribute.
        return new String[]{ATTRIBUTE, first};
    }

    private static String entityType(String t) {
        String type = TYPES.get(t);
        if (type == null) {
            throw invalid("Invalid entity type '" + t
                    + "'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']");
        }
        return type;
    }

    private String key() {
        if (atEnd()) {
            throw invalid("Invalid filter '" + src + "': missing key after '.'");
        }
        char c = src.charAt(pos);
        if (c == '`' || c == '"' || c == '\'') {
            return quoted(c);
        }
        int start = pos;
        while (pos < src.length() && isBareChar(src.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw invalid("Invalid filter '" + src + "': missing key at position " + start);
        }
        return src.substring(start, pos);
    }

    /** Reads a quoted token starting at pos; a doubled quote char inside stands for itself. */
    private String quoted(char q) {
        int start = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\\' && pos + 1 < src.length() && src.charAt(pos + 1) == q) {
                sb.append(q);
                pos += 2;
                continue;
            }
            if (c == q) {
                if (pos + 1 < src.length() && src.charAt(pos + 1) == q) {
                    sb.append(q);
                    pos += 2;
                    continue;
                }
                pos++;
                return sb.toString();
            }
            sb.append(c);
            pos++;
        }
        throw invalid("Invalid filter '" + src + "': unterminated quote starting at position " + start);
    }

    private String comparator() {
        if (atEnd()) {
            throw invalid("Invalid filter '" + src + "': expected a comparator at the end");
        }
        char c = src.charAt(pos);
        char n = pos + 1 < src.length() ? src.charAt(pos + 1) : 0;
        switch (c) {
            case '=':
                pos += n == '=' ? 2 : 1;
                return "=";
            case '!':
                if (n == '=') {
                    pos += 2;
                    return "!=";
                }
                break;
            case '<':
                if (n == '=') {
                    pos += 2;
                    return "<=";
                }
                if (n == '>') {
                    pos += 2;
                    return "!=";
                }
                pos++;
                return "<";
            case '>':
                if (n == '=') {
                    pos += 2;
                    return ">=";
                }
                pos++;
                return ">";
            default:
                String w = peekWord();
                if (w != null) {
                    String u = w.toUpperCase(Locale.ROOT);
                    switch (u) {
                        case "LIKE", "ILIKE", "IN" -> {
                            pos += w.length();
                            return u;
                        }
                        case "IS" -> {
                            pos += w.length();
                            skipWs();
                            String w2 = peekWord();
                            if (w2 != null && w2.equalsIgnoreCase("NULL")) {
                                pos += w2.length();
                                return Clause.IS_NULL;
                            }
                            if (w2 != null && w2.equalsIgnoreCase("NOT")) {
                                pos += w2.length();
                                skipWs();
                                String w3 = peekWord();
                                if (w3 != null && w3.equalsIgnoreCase("NULL")) {
                                    pos += w3.length();
                                    return Clause.IS_NOT_NULL;
                                }
                            }
                            throw invalid("Invalid filter '" + src + "': expected NULL or NOT NULL after IS at position " + pos);
                        }
                        case "NOT" -> {
                            pos += w.length();
                            skipWs();
                            String w2 = peekWord();
                            if (w2 != null && w2.equalsIgnoreCase("IN")) {
                                pos += 2;
                                return "NOT IN";
                            }
                            if (w2 != null && (w2.equalsIgnoreCase("LIKE") || w2.equalsIgnoreCase("ILIKE"))) {
                                throw invalid("Invalid comparator 'NOT " + w2.toUpperCase(Locale.ROOT) + "' in filter '" + src + "'");
                            }
                        }
                        default -> {
                        }
                    }
                }
        }
        throw invalid("Invalid filter '" + src + "': expected a comparator at position " + pos);
    }

    private Value value() {
        if (atEnd()) {
            throw invalid("Invalid filter '" + src + "': expected a value at the end");
        }
        char c = src.charAt(pos);
        if (c == '\'' || c == '"') {
            return new Value(Value.Kind.STRING, quoted(c), null, null);
        }
        if (c == '(') {
            pos++;
            List<String> items = new ArrayList<>();
            while (true) {
                skipWs();
                if (atEnd()) {
                    throw invalid("Invalid filter '" + src + "': unterminated list");
                }
                char q = src.charAt(pos);
                if (q != '\'' && q != '"') {
                    throw invalid("While parsing a list in the query, expected string value, punctuation, or "
                            + "whitespace, but got a different token in filter '" + src + "'");
                }
                items.add(quoted(q));
                skipWs();
                if (atEnd()) {
                    throw invalid("Invalid filter '" + src + "': unterminated list");
                }
                char d = src.charAt(pos++);
                if (d == ')') {
                    break;
                }
                if (d != ',') {
                    throw invalid("Invalid filter '" + src + "': expected ',' or ')' in a list");
                }
            }
            return new Value(Value.Kind.LIST, null, null, List.copyOf(items));
        }
        int start = pos;
        if (c == '-' || c == '+') {
            pos++;
        }
        int digitsStart = pos;
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '.')) {
            pos++;
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E') && pos > digitsStart) {
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) {
                pos++;
            }
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        String text = src.substring(start, pos);
        if (pos > digitsStart && (atEnd() || !isBareChar(src.charAt(pos)))) {
            try {
                return new Value(Value.Kind.NUMBER, text, Double.parseDouble(text), null);
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        pos = start;
        int end = start;
        while (end < src.length() && !Character.isWhitespace(src.charAt(end))) {
            end++;
        }
        throw invalid("Invalid filter '" + src + "': expected a quoted string or a number but got '"
                + src.substring(start, end) + "'");
    }
}

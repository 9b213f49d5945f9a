package dev.dmsmlflow.tracking.traces;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trace search grammar: {@code clause AND clause ...} where a clause is
 * {@code [prefix.]key comparator value}; prefixes {@code attributes./attribute./trace.}, {@code tags./tag.},
 * {@code metadata./request_metadata.}, {@code span.}, {@code feedback.}, {@code expectation.}; keys may be
 * quoted with backticks or double quotes; comparators {@code = != < <= > >= LIKE ILIKE RLIKE IN NOT IN IS NULL
 * IS NOT NULL}; values quoted strings, numbers or parenthesized string lists.
 */
public final class TraceFilter {
    public static final String ATTRIBUTE = "attribute";
    public static final String TAG = "tag";
    public static final String METADATA = "request_metadata";
    public static final String SPAN = "span";
    public static final String FEEDBACK = "feedback";
    public static final String EXPECTATION = "expectation";

    private static final Map<String, String> PREFIXES = Map.ofEntries(
            Map.entry("attribute", ATTRIBUTE), Map.entry("attributes", ATTRIBUTE), Map.entry("trace", ATTRIBUTE),
            Map.entry("tag", TAG), Map.entry("tags", TAG),
            Map.entry("metadata", METADATA), Map.entry("request_metadata", METADATA),
            Map.entry("span", SPAN), Map.entry("feedback", FEEDBACK), Map.entry("expectation", EXPECTATION));

    /** One comparison; {@code value} is a String, a Double, a List of Strings, or null for IS [NOT] NULL. */
    public record Clause(String type, String key, String comparator, Object value) {
    }

    /** One order-by item. */
    public record Order(String type, String key, boolean ascending) {
    }

    private final String src;
    private int pos;

    private TraceFilter(String src) {
        this.src = src;
    }

    static MlflowException invalid(String msg) {
        return MlflowException.invalidParameter(msg);
    }

    public static List<Clause> parse(String filter) {
        List<Clause> out = new ArrayList<>();
        if (filter == null || filter.isBlank()) {
            return out;
        }
        TraceFilter p = new TraceFilter(filter);
        while (true) {
            out.add(p.clause());
            p.ws();
            if (p.end()) {
                return out;
            }
            if (!p.keyword("AND")) {
                throw invalid("Invalid filter '" + filter + "': expected AND at position " + p.pos
                        + (p.peekKeyword("OR") ? " (OR is not supported)" : ""));
            }
        }
    }

    public static Order parseOrder(String item) {
        if (item == null || item.isBlank()) {
            throw invalid("Invalid order_by clause '" + item + "'.");
        }
        TraceFilter p = new TraceFilter(item);
        p.ws();
        String[] id = p.identifier();
        p.ws();
        boolean asc = true;
        if (p.keyword("DESC")) {
            asc = false;
        } else {
            p.keyword("ASC");
        }
        p.ws();
        if (!p.end()) {
            throw invalid("Invalid order_by clause '" + item + "'. Could not be parsed.");
        }
        return new Order(id[0], id[1], asc);
    }

    private Clause clause() {
        ws();
        String[] id = identifier();
        ws();
        String cmp = comparator();
        ws();
        Object value;
        if (cmp.equals("IS NULL") || cmp.equals("IS NOT NULL")) {
            value = null;
        } else if (cmp.equals("IN") || cmp.equals("NOT IN")) {
            value = list();
        } else {
            value = scalar();
        }
        return new Clause(id[0], id[1], cmp, value);
    }

    private String[] identifier() {
        String first = token();
        ws();
        if (pos < src.length() && src.charAt(pos) == '.' && !first.isEmpty()) {
            String prefix = PREFIXES.get(first.toLowerCase(Locale.ROOT));
            if (prefix == null) {
                throw invalid("Invalid entity type '" + first + "'. Valid values are "
                        + "['attribute', 'tag', 'request_metadata', 'span', 'feedback', 'expectation']");
            }
            pos++;
            String key = token();
            // keys like span.attributes.x or metadata keys containing dots
            while (pos < src.length() && src.charAt(pos) == '.') {
                pos++;
                key = key + "." + token();
            }
            if (key.isEmpty()) {
                throw invalid("Invalid filter: missing key after '" + first + ".'");
            }
            return new String[]{prefix, key};
        }
        if (first.isEmpty()) {
            throw invalid("Invalid filter '" + src + "': expected an identifier at position " + pos);
        }
        return new String[]{ATTRIBUTE, first};
    }

    /** A bare word, or a backtick / double-quoted name. */
    private String token() {
        if (pos < src.length() && (src.charAt(pos) == '`' || src.charAt(pos) == '"')) {
            char q = src.charAt(pos);
            int close = src.indexOf(q, pos + 1);
            if (close < 0) {
                throw invalid("Invalid filter '" + src + "': unterminated quoted identifier");
            }
            String s = src.substring(pos + 1, close);
            pos = close + 1;
            return s;
        }
        int start = pos;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ':' || c == '/') {
                pos++;
            } else {
                break;
            }
        }
        return src.substring(start, pos);
    }

    private String comparator() {
        for (String op : new String[]{"!=", "<=", ">=", "<>", "=", "<", ">"}) {
            if (src.startsWith(op, pos)) {
                pos += op.length();
                return op.equals("<>") ? "!=" : op;
            }
        }
        if (keyword("LIKE")) {
            return "LIKE";
        }
        if (keyword("ILIKE")) {
            return "ILIKE";
        }
        if (keyword("RLIKE")) {
            return "RLIKE";
        }
        if (keyword("IN")) {
            return "IN";
        }
        if (keyword("NOT")) {
            ws();
            if (keyword("IN")) {
                return "NOT IN";
            }
            throw invalid("Invalid filter '" + src + "': expected IN after NOT");
        }
        if (keyword("IS")) {
            ws();
            if (keyword("NULL")) {
                return "IS NULL";
            }
            if (keyword("NOT")) {
                ws();
                if (keyword("NULL")) {
                    return "IS NOT NULL";
                }
            }
            throw invalid("Invalid filter '" + src + "': expected NULL or NOT NULL after IS");
        }
        throw invalid("Invalid filter '" + src + "': expected a comparator at position " + pos);
    }

    private Object scalar() {
        if (end()) {
            throw invalid("Invalid filter '" + src + "': missing value");
        }
        char c = src.charAt(pos);
        if (c == '\'' || c == '"') {
            return quoted();
        }
        int start = pos;
        while (pos < src.length() && !Character.isWhitespace(src.charAt(pos)) && src.charAt(pos) != ','
                && src.charAt(pos) != ')') {
            pos++;
        }
        String t = src.substring(start, pos);
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw invalid("Invalid filter '" + src + "': value '" + t + "' must be a quoted string or a number");
        }
    }

    private String quoted() {
        char q = src.charAt(pos);
        StringBuilder sb = new StringBuilder();
        pos++;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == q) {
                if (pos + 1 < src.length() && src.charAt(pos + 1) == q) {
                    sb.append(q);
                    pos += 2;
                    continue;
                }
                pos++;
                return sb.toString();
            }
            if (c == '\\' && pos + 1 < src.length()) {
                sb.append(src.charAt(pos + 1));
                pos += 2;
                continue;
            }
            sb.append(c);
            pos++;
        }
        throw invalid("Invalid filter '" + src + "': unterminated string");
    }

    private List<String> list() {
        if (end() || src.charAt(pos) != '(') {
            throw invalid("Invalid filter '" + src + "': expected a parenthesized list after IN");
        }
        pos++;
        List<String> out = new ArrayList<>();
        while (true) {
            ws();
            if (end()) {
                throw invalid("Invalid filter '" + src + "': unterminated list");
            }
            if (src.charAt(pos) == ')' && out.isEmpty()) {
                throw invalid("Invalid filter '" + src + "': empty list");
            }
            Object v = scalar();
            out.add(v instanceof Double d ? stripNumber(d) : (String) v);
            ws();
            if (end()) {
                throw invalid("Invalid filter '" + src + "': unterminated list");
            }
            char c = src.charAt(pos++);
            if (c == ')') {
                return out;
            }
            if (c != ',') {
                throw invalid("Invalid filter '" + src + "': expected ',' or ')' in list");
            }
        }
    }

    private static String stripNumber(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private boolean keyword(String w) {
        if (peekKeyword(w)) {
            pos += w.length();
            return true;
        }
        return false;
    }

    private boolean peekKeyword(String w) {
        if (!src.regionMatches(true, pos, w, 0, w.length())) {
            return false;
        }
        int after = pos + w.length();
        return after >= src.length() || !(Character.isLetterOrDigit(src.charAt(after)) || src.charAt(after) == '_');
    }

    private void ws() {
        while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
            pos++;
        }
    }

    private boolean end() {
        return pos >= src.length();
    }
}

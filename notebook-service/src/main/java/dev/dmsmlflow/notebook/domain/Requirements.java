package dev.dmsmlflow.notebook.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "PyPI packages" field: comma-separated requirement specs as the console takes them ({@code dashscope, pandas==2.1.0}),
 * each read as a PEP 508 requirement (name, extras, version specifiers, environment marker). A comma inside a
 * requirement's own specifier list ({@code pandas>=2,<3}) stays with it: a fragment that starts with a comparison operator
 * continues the previous requirement. Direct references ({@code name @ url}) are refused: packages come from PyPI.
 */
public final class Requirements {

    /** Most requirements one session may list. */
    public static final int MAX = 50;
    /** Packages the runtime itself provides and pins; a session may not replace them. */
    static final Set<String> RUNTIME_PACKAGES = Set.of("jupyterlab", "jupyter-server", "ipykernel");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern OPERATOR = Pattern.compile("===|==|!=|<=|>=|~=|<|>");
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_.*+!-]+");
    private static final Set<String> MARKER_VARIABLES = Set.of("python_version", "python_full_version", "os_name", "sys_platform",
            "platform_release", "platform_system", "platform_version", "platform_machine", "platform_python_implementation",
            "implementation_name", "implementation_version", "extra");

    /** One requirement, normalized. {@code name} is the canonical project name (PEP 503). */
    public record Requirement(String name, List<String> extras, List<String> specifiers, String marker) {

        /** The requirement as an installer takes it. */
        public String spec() {
            StringBuilder b = new StringBuilder(name);
            if (!extras.isEmpty()) {
                b.append('[').append(String.join(",", extras)).append(']');
            }
            b.append(String.join(",", specifiers));
            if (marker != null) {
                b.append("; ").append(marker);
            }
            return b.toString();
        }
    }

    /** Why a requirement list was refused; the message names the entry, never anything else of the request. */
    public static final class InvalidRequirement extends IllegalArgumentException {
        public InvalidRequirement(String message) {
            super(message);
        }
    }

    private Requirements() {
    }

    /** Reads the field; null or blank is an empty list. */
    public static List<Requirement> parseList(String text) {
        List<Requirement> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        List<String> fragments = splitTopLevel(text);
        List<String> joined = new ArrayList<>();
        for (String f : fragments) {
            String t = f.strip();
            if (!t.isEmpty() && "<>=!~".indexOf(t.charAt(0)) >= 0 && !joined.isEmpty()) {
                joined.set(joined.size() - 1, joined.get(joined.size() - 1) + "," + t);
            } else {
                joined.add(t);
            }
        }
        Map<String, Requirement> byName = new LinkedHashMap<>();
        int n = 0;
        for (String entry : joined) {
            n++;
            if (entry.isEmpty()) {
                throw new InvalidRequirement("entry " + n + " is empty: separate packages with single commas.");
            }
            Requirement r = parse(entry);
            if (RUNTIME_PACKAGES.contains(r.name())) {
                throw new InvalidRequirement("'" + r.name() + "' is provided by the session's runtime and cannot be replaced.");
            }
            if (byName.put(r.name(), r) != null) {
                throw new InvalidRequirement("'" + r.name() + "' is listed twice.");
            }
        }
        if (byName.size() > MAX) {
            throw new InvalidRequirement("at most " + MAX + " packages can be listed.");
        }
        out.addAll(byName.values());
        return out;
    }

    /** Canonical project name (PEP 503): lower case, runs of '-', '_' and '.' as one '-'. */
    public static String canonicalName(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }

    /** One PEP 508 requirement (without direct references). */
    public static Requirement parse(String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        if (text.length() > 500 || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidRequirement("'" + shown.replaceAll("\\p{Cntrl}", "?") + "' is not a valid requirement.");
        }
        String body = text;
        String marker = null;
        int semi = indexOutsideQuotes(text, ';');
        if (semi >= 0) {
            body = text.substring(0, semi);
            marker = text.substring(semi + 1).strip();
            if (marker.isEmpty()) {
                throw new InvalidRequirement("'" + shown + "': an environment marker is expected after ';'.");
            }
            checkMarker(marker, shown);
        }
        Cursor c = new Cursor(body.strip());
        String rawName = c.match(NAME);
        if (rawName == null) {
            throw new InvalidRequirement("'" + shown + "' does not start with a package name (letters, digits, '.', '_', '-').");
        }
        List<String> extras = new ArrayList<>();
        c.skipSpace();
        if (c.take('[')) {
            c.skipSpace();
            if (!c.take(']')) {
                do {
                    c.skipSpace();
                    String extra = c.match(NAME);
                    if (extra == null) {
                        throw new InvalidRequirement("'" + shown + "': an extra's name is expected inside [...].");
                    }
                    extras.add(canonicalName(extra));
                    c.skipSpace();
                } while (c.take(','));
                if (!c.take(']')) {
                    throw new InvalidRequirement("'" + shown + "': ']' expected after the extras.");
                }
            }
        }
        c.skipSpace();
        if (c.peek() == '@') {
            throw new InvalidRequirement("'" + shown + "' is a direct reference (name @ url): only PyPI packages can be installed.");
        }
        List<String> specifiers = new ArrayList<>();
        boolean paren = c.take('(');
        c.skipSpace();
        if (!c.atEnd() && !(paren && c.peek() == ')')) {
            do {
                c.skipSpace();
                String op = c.match(OPERATOR);
                if (op == null) {
                    throw new InvalidRequirement("'" + shown + "': a version comparison (==, >=, <=, !=, ~=, <, >, ===) is expected after the name.");
                }
                c.skipSpace();
                String version = c.match(VERSION);
                if (version == null) {
                    throw new InvalidRequirement("'" + shown + "': a version is expected after '" + op + "'.");
                }
                if (version.contains("*") && !(op.equals("==") || op.equals("!=")) || version.indexOf('*') >= 0 && !version.endsWith(".*")) {
                    throw new InvalidRequirement("'" + shown + "': a wildcard is allowed only as a trailing '.*' with == or !=.");
                }
                specifiers.add(op + version);
                c.skipSpace();
            } while (c.take(','));
        }
        if (paren && !c.take(')')) {
            throw new InvalidRequirement("'" + shown + "': ')' expected after the version specifiers.");
        }
        c.skipSpace();
        if (!c.atEnd()) {
            throw new InvalidRequirement("'" + shown + "': unexpected '" + c.rest() + "'.");
        }
        return new Requirement(canonicalName(rawName), List.copyOf(extras), List.copyOf(specifiers), marker);
    }

    /** marker_or := marker_and ('or' marker_and)*; marker_and := expr ('and' expr)*; expr := var op var | '(' marker_or ')'. */
    private static void checkMarker(String marker, String shown) {
        Cursor c = new Cursor(marker);
        markerOr(c, shown);
        c.skipSpace();
        if (!c.atEnd()) {
            throw new InvalidRequirement("'" + shown + "': the environment marker is not valid near '" + c.rest() + "'.");
        }
    }

    private static void markerOr(Cursor c, String shown) {
        markerAnd(c, shown);
        while (c.keyword("or")) {
            markerAnd(c, shown);
        }
    }

    private static void markerAnd(Cursor c, String shown) {
        markerExpr(c, shown);
        while (c.keyword("and")) {
            markerExpr(c, shown);
        }
    }

    private static final Pattern MARKER_OP = Pattern.compile("===|==|!=|<=|>=|~=|<|>|not\\s+in\\b|in\\b");
    private static final Pattern IDENT = Pattern.compile("[a-z_]+");

    private static void markerExpr(Cursor c, String shown) {
        c.skipSpace();
        if (c.take('(')) {
            markerOr(c, shown);
            c.skipSpace();
            if (!c.take(')')) {
                throw new InvalidRequirement("'" + shown + "': ')' expected in the environment marker.");
            }
            return;
        }
        markerVar(c, shown);
        c.skipSpace();
        if (c.match(MARKER_OP) == null) {
            throw new InvalidRequirement("'" + shown + "': a comparison is expected in the environment marker.");
        }
        markerVar(c, shown);
    }

    private static void markerVar(Cursor c, String shown) {
        c.skipSpace();
        char q = c.peek();
        if (q == '"' || q == '\'') {
            c.take(q);
            int end = c.text.indexOf(q, c.pos);
            if (end < 0) {
                throw new InvalidRequirement("'" + shown + "': unterminated string in the environment marker.");
            }
            c.pos = end + 1;
            return;
        }
        String ident = c.match(IDENT);
        if (ident == null || !MARKER_VARIABLES.contains(ident)) {
            throw new InvalidRequirement("'" + shown + "': unknown environment marker variable" + (ident == null ? "" : " '" + ident + "'") + ".");
        }
    }

    private static int indexOutsideQuotes(String s, char wanted) {
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** Splits on commas outside brackets, parentheses and quotes. */
    static List<String> splitTopLevel(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        StringBuilder cur = new StringBuilder();
        for (char ch : text.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '[' || ch == '(') {
                depth++;
            } else if (ch == ']' || ch == ')') {
                depth--;
            } else if (ch == ',' && depth == 0) {
                out.add(cur.toString());
                cur.setLength(0);
                continue;
            }
            cur.append(ch);
        }
        out.add(cur.toString());
        return out;
    }

    /** A position in a text being read. */
    private static final class Cursor {
        final String text;
        int pos;

        Cursor(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        char peek() {
            return atEnd() ? 0 : text.charAt(pos);
        }

        boolean take(char ch) {
            if (peek() == ch && !atEnd()) {
                pos++;
                return true;
            }
            return false;
        }

        void skipSpace() {
            while (!atEnd() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        String match(Pattern p) {
            Matcher m = p.matcher(text).region(pos, text.length());
            if (m.lookingAt()) {
                pos = m.end();
                return m.group();
            }
            return null;
        }

        boolean keyword(String word) {
            skipSpace();
            if (text.startsWith(word, pos) && (pos + word.length() == text.length()
                    || !Character.isLetterOrDigit(text.charAt(pos + word.length())) && text.charAt(pos + word.length()) != '_')) {
                pos += word.length();
                return true;
            }
            return false;
        }

        String rest() {
            String r = text.substring(pos);
            return r.length() > 40 ? r.substring(0, 40) + "…" : r;
        }
    }
}

package dev.dmsmlflow.notebook.domain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The "environment variables" field: {@code KEY=VALUE} entries separated by line breaks or semicolons. Values are secrets
 * (API keys): messages about the field name keys and entry numbers only, never a value, and {@link #toString()} shows names.
 */
public final class EnvironmentVariables {

    public static final int MAX_ENTRIES = 100;
    public static final int MAX_VALUE_LENGTH = 4096;
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** Names the runtime sets itself, or that would change how the session's own processes run. */
    static final Set<String> RESERVED = Set.of("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME",
            "MLFLOW_TRACKING_PASSWORD", "PATH", "HOME", "USER", "SHELL", "PWD", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
            "PYTHONUSERBASE", "VIRTUAL_ENV", "IPYTHONDIR", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "TMPDIR");
    static final List<String> RESERVED_PREFIXES = List.of("DMS_", "JUPYTER", "JPY_", "UV_");

    private final Map<String, String> values;

    private EnvironmentVariables(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static EnvironmentVariables none() {
        return new EnvironmentVariables(new LinkedHashMap<>());
    }

    /** Why the field was refused (never containing a value). */
    public static final class InvalidVariables extends IllegalArgumentException {
        public InvalidVariables(String message) {
            super(message);
        }
    }

    /** Reads the field; null or blank is no variable. Blank entries (a trailing ';' or newline) are skipped. */
    public static EnvironmentVariables parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return new EnvironmentVariables(out);
        }
        String[] entries = text.split("\r\n|[\n\r;]", -1);
        int n = 0;
        for (String raw : entries) {
            n++;
            if (raw.isBlank()) {
                continue;
            }
            int eq = raw.indexOf('=');
            if (eq < 0) {
                throw new InvalidVariables("entry " + n + " is not KEY=VALUE.");
            }
            String key = raw.substring(0, eq).strip();
            String value = raw.substring(eq + 1).strip();
            if (!KEY.matcher(key).matches()) {
                throw new InvalidVariables("entry " + n + ": the name must be letters, digits and '_', not starting with a digit (at most 128).");
            }
            if (isReserved(key)) {
                throw new InvalidVariables("'" + key + "' is reserved: the session's runtime sets it or depends on it.");
            }
            if (value.length() > MAX_VALUE_LENGTH || value.indexOf('\0') >= 0) {
                throw new InvalidVariables("the value of '" + key + "' must be at most " + MAX_VALUE_LENGTH + " characters without NUL.");
            }
            if (out.put(key, value) != null) {
                throw new InvalidVariables("'" + key + "' is given twice.");
            }
        }
        if (out.size() > MAX_ENTRIES) {
            throw new InvalidVariables("at most " + MAX_ENTRIES + " variables can be set.");
        }
        return new EnvironmentVariables(out);
    }

    /** From stored name → value pairs (already validated). */
    public static EnvironmentVariables of(Map<String, String> values) {
        return new EnvironmentVariables(new LinkedHashMap<>(values));
    }

    static boolean isReserved(String key) {
        String upper = key.toUpperCase(java.util.Locale.ROOT);
        return RESERVED.contains(upper) || RESERVED_PREFIXES.stream().anyMatch(upper::startsWith);
    }

    /** The variables, in the order given. Handle as secrets. */
    public Map<String, String> values() {
        return values;
    }

    public List<String> names() {
        return List.copyOf(values.keySet());
    }

    /** A value as it may be shown: a short prefix of long values, never the whole. */
    public static String masked(String value) {
        if (value == null || value.length() < 12) {
            return "********";
        }
        return value.substring(0, 3) + "********";
    }

    @Override
    public String toString() {
        return "EnvironmentVariables" + values.keySet();
    }
}

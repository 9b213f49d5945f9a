package dev.dmsmlflow.tracking.validation;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.util.regex.Pattern;

/** Input rules and limits shared by the endpoints (names, lengths, batch sizes), with upstream's messages. */
public final class Validation {
    public static final int MAX_ENTITY_KEY_LENGTH = 250;
    public static final int MAX_PARAM_VAL_LENGTH = 6000;
    public static final int MAX_TAG_VAL_LENGTH = 8000;
    public static final int MAX_EXPERIMENT_NAME_LENGTH = 500;
    public static final int MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
    public static final int MAX_METRICS_PER_BATCH = 1000;
    public static final int MAX_PARAMS_TAGS_PER_BATCH = 100;
    public static final int MAX_ENTITIES_PER_BATCH = 1000;
    public static final int MAX_RUNS_PER_SEARCH = 50_000;
    public static final int MAX_EXPERIMENTS_PER_SEARCH = 50_000;

    private static final Pattern NAME = Pattern.compile("^[/\\w.\\- :]*$", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern RUN_ID = Pattern.compile("^[a-zA-Z0-9][\\w\\-]{0,255}$");
    private static final String BAD_CHARS = "Names may only contain alphanumerics, underscores (_), dashes (-), "
            + "periods (.), spaces ( ), colon(:) and slashes (/).";

    private Validation() {
    }

    /** Metric, param and tag keys: allowed characters and no path tricks ({@code ..}, leading {@code /}). */
    public static void key(String what, String name) {
        if (name == null) {
            throw MlflowException.invalidParameter(what + " name cannot be None. A key name must be provided.");
        }
        if (!NAME.matcher(name).matches()) {
            throw MlflowException.invalidParameter("Invalid " + what.toLowerCase() + " name: '" + truncate(name) + "'. " + BAD_CHARS);
        }
        if (!isNormalizedPath(name)) {
            throw MlflowException.invalidParameter("Invalid " + what.toLowerCase() + " name: '" + truncate(name)
                    + "'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.");
        }
        length(what + " key", MAX_ENTITY_KEY_LENGTH, name);
    }

    /** True when the name equals its POSIX-normalized form and does not escape upwards or start at the root. */
    static boolean isNormalizedPath(String name) {
        if (name.isEmpty()) {
            return false;
        }
        if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            return false;
        }
        for (String part : name.split("/", -1)) {
            if (part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    public static void length(String what, int limit, String value) {
        if (value != null && value.length() > limit) {
            throw MlflowException.invalidParameter(what + " '" + truncate(value) + "' had length " + value.length()
                    + ", which exceeded length limit of " + limit);
        }
    }

    /**
     * Upstream's server cuts run param values over 6,000 and run tag values over 8,000 characters
     * (Python characters: code points) to that many and stores the rest of the request as sent
     * ({@code MLFLOW_TRUNCATE_LONG_VALUES}, on by default), where it refuses other over-long values.
     */
    public static String truncateToLimit(int limit, String value) {
        if (value == null || value.length() <= limit) {
            return value;
        }
        if (value.codePointCount(0, value.length()) <= limit) {
            return value;
        }
        return value.substring(0, value.offsetByCodePoints(0, limit));
    }

    public static void runId(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw MlflowException.invalidParameter("Invalid run ID: '" + truncate(String.valueOf(runId)) + "'");
        }
    }

    public static void batchLimit(String what, int limit, int n) {
        if (n > limit) {
            throw MlflowException.invalidParameter("A batch logging request can contain at most " + limit + " " + what
                    + ". Got " + n + " " + what + ". Please split up " + what + " across multiple requests and try again.");
        }
    }

    public static void experimentName(String name) {
        if (name == null || name.isEmpty()) {
            throw MlflowException.invalidParameter("Invalid experiment name: '" + (name == null ? "None" : name) + "'");
        }
        if (name.length() > MAX_EXPERIMENT_NAME_LENGTH) {
            throw MlflowException.invalidParameter("Experiment name exceeds the maximum length of "
                    + MAX_EXPERIMENT_NAME_LENGTH + " characters");
        }
    }

    public static int maxResults(long requested, int limit) {
        if (requested < 1 || requested > limit) {
            throw MlflowException.invalidParameter("Invalid value " + requested + " for parameter 'max_results' supplied. "
                    + "It must be at least 1 and at most " + limit + ".");
        }
        return (int) requested;
    }

    public static String truncate(String s) {
        return s.length() > 250 ? s.substring(0, 250) : s;
    }
}

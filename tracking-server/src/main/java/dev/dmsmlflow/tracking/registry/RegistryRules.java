package dev.dmsmlflow.tracking.registry;

import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.validation.Validation;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Registry input rules and limits (names, versions, stages, tags, aliases) with upstream's error texts. */
final class RegistryRules {
    static final int MAX_MODEL_NAME_LENGTH = 256;
    static final int MAX_TAG_KEY_LENGTH = 250;
    static final int MAX_TAG_VALUE_LENGTH = 100_000;
    static final int MAX_ALIAS_LENGTH = 255;
    static final int MAX_DESCRIPTION_LENGTH = 100_000;
    static final int MAX_SOURCE_LENGTH = 8000;
    static final int MAX_RUN_LINK_LENGTH = 8000;
    static final int MAX_TAGS_PER_REQUEST = 1000;

    static final String STAGE_NONE = "None";
    static final String STAGE_STAGING = "Staging";
    static final String STAGE_PRODUCTION = "Production";
    static final String STAGE_ARCHIVED = "Archived";
    static final List<String> ALL_STAGES = List.of(STAGE_NONE, STAGE_STAGING, STAGE_PRODUCTION, STAGE_ARCHIVED);

    private static final Pattern ALIAS = Pattern.compile("^[\\w\\-]*$");
    private static final Pattern VERSION_ALIAS = Pattern.compile("^[vV]\\d+$");

    private RegistryRules() {
    }

    static void modelName(String name) {
        if (name == null || name.isEmpty()) {
            throw MlflowException.invalidParameter("Registered model name cannot be empty.");
        }
        if (name.length() > MAX_MODEL_NAME_LENGTH) {
            throw MlflowException.invalidParameter("Registered model name '" + Validation.truncate(name) + "' had length "
                    + name.length() + ", which exceeded length limit of " + MAX_MODEL_NAME_LENGTH);
        }
    }

    /** A version number as given ("3"); not an integer -> 400, out of range -> not found. */
    static int version(String name, String version) {
        if (version == null || version.isEmpty()) {
            throw MlflowException.missing("version");
        }
        long v;
        try {
            v = Long.parseLong(version.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalidParameter("Model version must be an integer, got '" + Validation.truncate(version) + "'");
        }
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw RegistryStore.versionNotFound(name, version);
        }
        return (int) v;
    }

    /** The canonical stage for a case-insensitive stage name. */
    static String stage(String stage) {
        if (stage != null) {
            for (String s : ALL_STAGES) {
                if (s.equalsIgnoreCase(stage.trim())) {
                    return s;
                }
            }
        }
        throw MlflowException.invalidParameter("Invalid Model Version stage: " + stage
                + ". Value must be one of None, Staging, Production, Archived.");
    }

    static void tag(String what, String key, String value) {
        if (key == null || key.isEmpty()) {
            throw MlflowException.missing("key");
        }
        Validation.key("Tag", key);
        if (value == null) {
            throw MlflowException.invalidParameter("Tag value cannot be None");
        }
        Validation.length(what + " key", MAX_TAG_KEY_LENGTH, key);
        Validation.length(what + " value", MAX_TAG_VALUE_LENGTH, value);
    }

    static void alias(String alias) {
        if (alias == null || alias.isEmpty()) {
            throw MlflowException.invalidParameter("Registered model alias name cannot be empty.");
        }
        if (!ALIAS.matcher(alias).matches()) {
            throw MlflowException.invalidParameter("Invalid alias name: '" + Validation.truncate(alias)
                    + "'. Names may only contain alphanumerics, underscores (_), and dashes (-).");
        }
        Validation.length("Registered model alias name", MAX_ALIAS_LENGTH, alias);
        if (alias.toLowerCase(Locale.ROOT).equals("latest")) {
            throw MlflowException.invalidParameter("'latest' alias name (case insensitive) is reserved.");
        }
        if (VERSION_ALIAS.matcher(alias).matches()) {
            throw MlflowException.invalidParameter("Version alias name '" + alias + "' is reserved.");
        }
    }

    static void description(String description) {
        Validation.length("Description", MAX_DESCRIPTION_LENGTH, description);
    }
}

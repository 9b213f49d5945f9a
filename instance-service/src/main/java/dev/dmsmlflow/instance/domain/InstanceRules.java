package dev.dmsmlflow.instance.domain;

import dev.dmsmlflow.platform.problem.ProblemException;
import dev.dmsmlflow.platform.validation.Text;

import java.util.regex.Pattern;

/**
 * Input rules of the instance API, checked before anything is created. Each failure names the field.
 * <ul>
 *   <li>name: 1-64 characters, letters, digits, '-' and '_', starting with a letter;</li>
 *   <li>description: at most 256 characters;</li>
 *   <li>workspaceId and the network ids: 1-128 characters of letters, digits, '.', '-' and '_';</li>
 *   <li>ossBucket: 3-63 characters of lowercase letters, digits and '-', not starting or ending with '-';</li>
 *   <li>ossPath: 1-1024 characters, no leading '/', no '//' , no '.' or '..' segment, no backslash or control character;</li>
 *   <li>spec: a name from the {@link Spec} catalogue.</li>
 * </ul>
 */
public final class InstanceRules {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
    public static final int MAX_DESCRIPTION = 256;
    public static final int MAX_OSS_PATH = 1024;

    private InstanceRules() {
    }

    public static String name(String value) {
        if (value == null || value.isEmpty()) {
            throw ProblemException.invalidField("name", "name is required.");
        }
        if (!NAME.matcher(value).matches()) {
            throw ProblemException.invalidField("name",
                    "name must be 1-64 characters of letters, digits, '-' and '_', starting with a letter.");
        }
        return value;
    }

    public static String description(String value) {
        if (value != null && value.length() > MAX_DESCRIPTION) {
            throw ProblemException.invalidField("description", "description must be at most " + MAX_DESCRIPTION + " characters.");
        }
        if (value != null && value.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
            throw ProblemException.invalidField("description", "description must not contain control characters.");
        }
        Text.requireMultiLine("description", value);
        return value == null || value.isEmpty() ? null : value;
    }

    public static String id(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw ProblemException.invalidField(field, field + " is required.");
        }
        if (!ID.matcher(value).matches()) {
            throw ProblemException.invalidField(field, field + " must be 1-128 characters of letters, digits, '.', '-' and '_'.");
        }
        return value;
    }

    public static String ossBucket(String value) {
        if (value == null || value.isEmpty()) {
            throw ProblemException.invalidField("ossBucket", "ossBucket is required.");
        }
        if (!BUCKET.matcher(value).matches()) {
            throw ProblemException.invalidField("ossBucket",
                    "ossBucket must be 3-63 characters of lowercase letters, digits and '-', and must not start or end with '-'.");
        }
        return value;
    }

    public static String ossPath(String value) {
        if (value == null || value.isEmpty()) {
            throw ProblemException.invalidField("ossPath", "ossPath is required.");
        }
        if (value.length() > MAX_OSS_PATH) {
            throw ProblemException.invalidField("ossPath", "ossPath must be at most " + MAX_OSS_PATH + " characters.");
        }
        if (value.startsWith("/")) {
            throw ProblemException.invalidField("ossPath", "ossPath must not start with '/'.");
        }
        if (value.contains("\\") || value.chars().anyMatch(Character::isISOControl)) {
            throw ProblemException.invalidField("ossPath", "ossPath must not contain backslashes or control characters.");
        }
        Text.require("ossPath", value);
        if (value.contains("%")) {
            // an encoded '/', '.' or '..' would mean one thing here and another to whoever decodes the key later
            throw ProblemException.invalidField("ossPath", "ossPath must not contain '%'.");
        }
        String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        for (String segment : trimmed.split("/", -1)) {
            if (segment.isEmpty()) {
                throw ProblemException.invalidField("ossPath", "ossPath must not contain empty segments ('//').");
            }
            if (segment.equals("..") || segment.equals(".")) {
                throw ProblemException.invalidField("ossPath", "ossPath must not contain '.' or '..' segments.");
            }
        }
        return trimmed;
    }

    /** Authentication modes of an instance's load balancer. */
    public static final java.util.List<String> AUTH_MODES = java.util.List.of("network", "token");

    /** {@code network} (the default: ACL and security group only) or {@code token} (also an MLflow access token). */
    public static String authMode(String value) {
        if (value == null) {
            return "network";
        }
        if (!AUTH_MODES.contains(value)) {
            throw ProblemException.invalidField("authMode", "authMode must be one of " + AUTH_MODES + ".");
        }
        return value;
    }

    public static Spec spec(String value) {
        if (value == null || value.isEmpty()) {
            throw ProblemException.invalidField("spec", "spec is required; one of " + Spec.names() + ".");
        }
        return Spec.find(value).orElseThrow(() ->
                ProblemException.invalidField("spec", "Unknown spec '" + value + "'; one of " + Spec.names() + "."));
    }
}

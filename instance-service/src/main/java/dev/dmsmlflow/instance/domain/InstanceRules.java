package dev.dmsmlflow.instance.domain;

import dev.dmsmlflow.platform.problem.ProblemException;
import dev.dmsmlflow.platform.validation.Text;

/**
 * The input rules of the instance API beyond each field's declared shape (presence, pattern and length are declared on the
 * request record with Bean Validation and checked before these run). Each failure names the field.
 * <ul>
 *   <li>description: no control characters but line breaks and tabs, valid Unicode; empty means none;</li>
 *   <li>ossPath: no leading '/', no '//', no '.' or '..' segment, no '%', backslash or control character;</li>
 *   <li>authMode: {@code network} (the default) or {@code token};</li>
 *   <li>spec: a name from the {@link Spec} catalogue.</li>
 * </ul>
 */
public final class InstanceRules {

    private InstanceRules() {
    }

    /** The description as stored (null for none); its length is the request record's rule. */
    public static String description(String value) {
        if (value != null && value.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
            throw ProblemException.invalidField("description", "description must not contain control characters.");
        }
        Text.requireMultiLine("description", value);
        return value == null || value.isEmpty() ? null : value;
    }

    /** The artifact path as stored (without a trailing '/'); presence and length are the request record's rules. */
    public static String ossPath(String value) {
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

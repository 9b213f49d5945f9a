package dev.dmsmlflow.gateway.api;

/**
 * Regular expressions of the public API, written so Java, JSON Schema (ECMA 262) and Python read them alike: the
 * OpenAPI document publishes exactly what the gateway checks.
 */
public final class Patterns {

    /** A human-readable name: no control characters, not blank. */
    public static final String NAME = "^[^\\x00-\\x1F\\x7F]*[^\\x00-\\x20\\x7F][^\\x00-\\x1F\\x7F]*$";
    /** An instance name: a letter, then letters, digits, '-' and '_' (1-64). */
    public static final String INSTANCE_NAME = "^[A-Za-z][A-Za-z0-9_-]{0,63}$";
    /** Free text: no control characters other than tab and newline. */
    public static final String TEXT = "^[^\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F\\uD800-\\uDFFF]*$";
    /** One line of text: no control character at all, no unpaired surrogate. */
    public static final String LINE = "^[^\\x00-\\x1F\\x7F-\\x9F\\uD800-\\uDFFF]*$";
    /** Cloud resource ids (VPC, vSwitch, security group). */
    public static final String CLOUD_ID = "^[A-Za-z0-9._-]{1,128}$";
    /** OSS bucket names. */
    public static final String OSS_BUCKET = "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$";
    /** OSS path: relative, no backslash, no control characters (segment rules are checked by instance-service). */
    public static final String OSS_PATH = "^[^/%\\\\\\x00-\\x1F\\x7F-\\x9F\\uD800-\\uDFFF][^%\\\\\\x00-\\x1F\\x7F-\\x9F\\uD800-\\uDFFF]*$";
    /** Ids of services' resources as they appear in our paths (instances). */
    /** A cloud id used as a path segment: {@link #CLOUD_ID} but never "." or ".." (which a path would resolve). */
    public static final String CLOUD_ID_SEGMENT = "^(?!\\.+$)[A-Za-z0-9._-]{1,128}$";
    public static final String RESOURCE_ID = "^[A-Za-z0-9_-]{1,64}$";
    /** An IPv4 or IPv6 address or CIDR block (checked precisely by network-service). */
    public static final String CIDR = "^[0-9A-Fa-f.:]{2,45}(/[0-9]{1,3})?$";

    private Patterns() {
    }
}

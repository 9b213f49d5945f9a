package dev.dmsmlflow.platform.problem;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem detail as every platform API returns it ({@code application/problem+json}).
 * {@code field} names the offending request field when there is one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field, String code) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://dms-mlflow.dev/problems/";

    /** A problem whose {@code type} is derived from a short, stable slug such as {@code invalid-field}. */
    public static Problem of(String slug, String title, int status, String detail, String field) {
        return new Problem(TYPE_BASE + slug, title, status, detail, field, null);
    }

    /** The same problem carrying a machine-readable reason code. */
    public Problem withCode(String reasonCode) {
        return new Problem(type, title, status, detail, field, reasonCode);
    }
}

package dev.dmsmlflow.tracking.webhooks;

import java.util.Map;

/**
 * A change in the model registry that webhooks may announce, fired (CDI event) by the registry routes
 * after the change is committed. Whether it is a prompt's change is decided by the webhook side.
 */
public record RegistryChange(Kind kind, String name, String version, String key, String value, String alias,
                             String source, String runId, Map<String, String> tags, String description) {
    /** What happened. */
    public enum Kind {
        MODEL_CREATED, VERSION_CREATED, MODEL_TAG_SET, MODEL_TAG_DELETED, VERSION_TAG_SET, VERSION_TAG_DELETED,
        ALIAS_SET, ALIAS_DELETED
    }

    public static RegistryChange modelCreated(String name, Map<String, String> tags, String description) {
        return new RegistryChange(Kind.MODEL_CREATED, name, null, null, null, null, null, null, tags, description);
    }

    public static RegistryChange versionCreated(String name, String version, String source, String runId,
                                                Map<String, String> tags, String description) {
        return new RegistryChange(Kind.VERSION_CREATED, name, version, null, null, null, source, runId, tags, description);
    }

    public static RegistryChange modelTag(String name, String key, String value, boolean deleted) {
        return new RegistryChange(deleted ? Kind.MODEL_TAG_DELETED : Kind.MODEL_TAG_SET, name, null, key, value, null,
                null, null, null, null);
    }

    public static RegistryChange versionTag(String name, String version, String key, String value, boolean deleted) {
        return new RegistryChange(deleted ? Kind.VERSION_TAG_DELETED : Kind.VERSION_TAG_SET, name, version, key, value,
                null, null, null, null, null);
    }

    public static RegistryChange alias(String name, String alias, String version, boolean deleted) {
        return new RegistryChange(deleted ? Kind.ALIAS_DELETED : Kind.ALIAS_SET, name, version, null, null, alias,
                null, null, null, null);
    }
}

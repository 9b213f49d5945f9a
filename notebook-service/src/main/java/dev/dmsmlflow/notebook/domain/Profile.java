package dev.dmsmlflow.notebook.domain;

/**
 * A configuration profile: a preset of runtime policies. {@code mlflowWiring} says whether the profile's network policy
 * lets the session reach the workspace's MLflow instance (its tracking URI is then set in the session).
 */
public record Profile(String name, String description, boolean mlflowWiring) {
}

package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Role;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A route acting in the workspace {@code {ws}} of its path, needing at least this role there. The access filter admits
 * the caller before anything else runs (404 not theirs, 403 role too low), so even a malformed body learns nothing.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface InWorkspace {
    Role value();
}

package dev.dmsmlflow.gateway.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Routes of a session's JupyterLab, the only ones where a request without {@code Authorization} may authenticate with
 * the session's {@code dms_jupyter} cookie (a {@link dev.dmsmlflow.gateway.domain.JupyterPass} naming the path's
 * workspace and session).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AcceptsJupyterPass {
}

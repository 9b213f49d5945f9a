package dev.dmsmlflow.gateway.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A route that proves the caller itself, without an API key: the one-time JupyterLab sign-in link, whose code is the
 * credential, and the console's single sign-on, which is how a browser gets one. The access filter gives it a request id and nothing else.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface WithoutApiKey {
}

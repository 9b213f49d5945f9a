package dev.dmsmlflow.gateway.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A mutating route: every call by an authenticated caller is written to the audit log with this action. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Audited {

    /** For example {@code instance.create}. */
    String action();

    /** The kind of resource acted on, for example {@code instance}. */
    String resource();

    /** The path parameter naming the resource; empty when the route creates it (the resource then names it). */
    String idParam() default "";
}

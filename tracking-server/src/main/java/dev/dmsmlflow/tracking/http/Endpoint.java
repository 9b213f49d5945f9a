package dev.dmsmlflow.tracking.http;

/** One JSON endpoint: reads the request, returns the body (answered 200), or throws {@link MlflowException}. */
@FunctionalInterface
public interface Endpoint {
    JsonBody handle(MlflowRequest request) throws Exception;
}

package dev.dmsmlflow.instance.provider.compute;

/** Where a running tracking server listens. */
public record ComputeAddress(String host, int port) {
}

package dev.dmsmlflow.compute;

/** Where a running tracking server listens. */
public record ComputeAddress(String host, int port) {
}

package dev.dmsmlflow.instance.provider.compute;

import java.time.Instant;

/**
 * Credentials a tracking server gets for its instance's artifact root: scoped to {@code oss://bucket/prefix/} only, short
 * lived, never the platform's own keys. A cloud compute passes them to the tracking server (OSS_ACCESS_KEY_ID,
 * OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN) and asks again before they expire; the local compute keeps artifacts in a
 * directory and needs none.
 */
public interface StorageCredentials {

    /** Temporary credentials; {@link #toString()} never shows the secret parts. */
    record Scoped(String accessKeyId, String accessKeySecret, String securityToken, Instant expiresAt) {
        @Override
        public String toString() {
            return "Scoped[" + accessKeyId + ", secret=***, token=***, expires " + expiresAt + "]";
        }
    }

    /** Credentials that reach {@code oss://bucket/prefix/...} and nothing else, for the tracking server of {@code instanceId}. */
    Scoped issue(String instanceId, String bucket, String prefix) throws ComputeException;
}

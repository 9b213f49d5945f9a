package dev.dmsmlflow.tracking.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A tree of artifact files addressed by relative, already validated paths ({@code a/b/c.txt}, see
 * {@link ArtifactPaths}); the empty path is the root. Implementations must stream: no method may hold
 * a whole file in memory.
 */
public interface ArtifactStore {

    /** One directory entry: its base name, whether it is a directory, and its size (files only). */
    record Entry(String name, boolean dir, Long size) {
        public static Entry file(String name, long size) {
            return new Entry(name, false, size);
        }

        public static Entry directory(String name) {
            return new Entry(name, true, null);
        }
    }

    /**
     * Stores {@code in} at {@code path}, replacing an existing file. {@code length} is the byte count
     * when known, else -1. The stream is read to its end but not closed.
     */
    void put(String path, InputStream in, long length) throws IOException;

    /** Opens the file at {@code path}; empty when there is no such file. The caller closes the stream. */
    Optional<InputStream> get(String path) throws IOException;

    /** What is at {@code path}: a file (with its size), a directory, or nothing. */
    Optional<Entry> stat(String path) throws IOException;

    /** The entries directly under directory {@code path}, sorted by name; empty if it is no directory. */
    List<Entry> list(String path) throws IOException;

    /** Deletes the file or the whole directory tree at {@code path}; nothing there is not an error. */
    void delete(String path) throws IOException;

    default boolean exists(String path) throws IOException {
        return stat(path).isPresent();
    }

    /** The local file behind {@code path} when the store is a local filesystem (lets the server send it zero-copy). */
    default Optional<Path> localFile(String path) {
        return Optional.empty();
    }

    /**
     * Checks, cheaply, that the store can serve artifacts now (readiness). May block on the network: the caller bounds
     * how long it waits.
     *
     * @throws Unavailable when it cannot, with a short reason anyone may read
     */
    void checkAvailable() throws Unavailable;

    /**
     * Why a store cannot serve artifacts now. The message is a short fixed sentence that anyone may read (no host,
     * path, credential or stack); the cause, if any, is for the server's log only.
     */
    final class Unavailable extends Exception {
        public Unavailable(String reason) {
            super(reason, null, false, false);
        }

        public Unavailable(String reason, Throwable cause) {
            super(reason, cause, false, false);
        }
    }

    /** A short description for logs, e.g. {@code file:/var/mlartifacts} or {@code oss://bucket/prefix}. */
    String describe();
}

package dev.dmsmlflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporary directories that live as long as the JVM: each one is removed, with everything in it, when the JVM exits.
 * Throw-away databases, brokers and key pairs of tests are made here so that test runs leave no data behind in
 * {@code java.io.tmpdir} (a CI machine once ran out of disk after a few hundred runs left their data directories there).
 */
public final class TempDirs {
    private static final Logger LOG = LoggerFactory.getLogger(TempDirs.class);
    private static final List<Path> ON_EXIT = new ArrayList<>();
    private static boolean hooked;

    private TempDirs() {
    }

    /** A new private directory under {@code java.io.tmpdir}, deleted when the JVM exits. */
    public static Path forThisJvm(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            deleteOnExit(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and its content when the JVM exits (after the hooks that stop what used it, see {@link #afterStopping}). */
    public static synchronized void deleteOnExit(Path dir) {
        ON_EXIT.add(dir);
        if (!hooked) {
            hooked = true;
            Runtime.getRuntime().addShutdownHook(new Thread(TempDirs::deleteAll, "dms-temp-dirs"));
        }
    }

    /**
     * A shutdown hook that runs {@code stop} and then deletes {@code dir}: for a process that writes into its directory
     * until it is stopped (shutdown hooks run concurrently, so the deletion cannot be a hook of its own).
     */
    public static Thread afterStopping(Runnable stop, Path dir, String name) {
        return new Thread(() -> {
            try {
                stop.run();
            } finally {
                deleteTree(dir);
            }
        }, name);
    }

    private static void deleteAll() {
        List<Path> dirs;
        synchronized (TempDirs.class) {
            dirs = List.copyOf(ON_EXIT);
        }
        dirs.forEach(TempDirs::deleteTree);
    }

    /** Deletes {@code root} and everything below it; what cannot be deleted is logged and left. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    // a file removed meanwhile (a process still exiting) is fine
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    try {
                        Files.deleteIfExists(dir);
                    } catch (java.nio.file.DirectoryNotEmptyException racing) {
                        LOG.debug("{} got new files while it was deleted", dir);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // deleted meanwhile
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.toString());
        }
    }
}

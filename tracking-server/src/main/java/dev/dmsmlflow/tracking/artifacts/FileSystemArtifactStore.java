package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Artifacts in a local directory. Uploads are written to a hidden temporary file beside the target
 * and moved into place atomically, so readers never see a half-written file.
 */
public final class FileSystemArtifactStore implements ArtifactStore {
    static final String TEMP_PREFIX = ".dms-upload-";
    private static final int BUFFER = 256 * 1024;
    private final Path root;

    public FileSystemArtifactStore(Path root) {
        try {
            Files.createDirectories(root);
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot use artifact directory " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** The file for a validated relative path, checked to stay under the root. */
    Path resolve(String path) {
        Path p = path.isEmpty() ? root : root.resolve(path).normalize();
        if (!p.startsWith(root)) {
            throw ArtifactPaths.invalid();
        }
        return p;
    }

    @Override
    public void put(String path, InputStream in, long length) throws IOException {
        if (path.isEmpty()) {
            throw MlflowException.invalidParameter("An artifact path is required");
        }
        Path target = resolve(path);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw MlflowException.invalidParameter("Artifact path refers to a directory, not a file: '" + path + "'");
        }
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException | NotDirectoryException e) {
            throw MlflowException.invalidParameter("A parent of artifact path '" + path + "' is a file");
        }
        Path tmp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        boolean moved = false;
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[BUFFER];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    @Override
    public Optional<InputStream> get(String path) throws IOException {
        Path p = resolve(path);
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.newInputStream(p));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Entry> stat(String path) throws IOException {
        Path p = resolve(path);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (java.nio.file.FileSystemException e) {
            return Optional.empty();
        }
        String name = path.isEmpty() ? "" : ArtifactPaths.baseName(path);
        return Optional.of(a.isDirectory() ? Entry.directory(name) : Entry.file(name, a.size()));
    }

    @Override
    public List<Entry> list(String path) throws IOException {
        Path dir = resolve(path);
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path child : ds) {
                String name = child.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(child, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue; // deleted meanwhile
                }
                out.add(a.isDirectory() ? Entry.directory(name) : Entry.file(name, a.size()));
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return new ArrayList<>();
        }
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    @Override
    public void delete(String path) throws IOException {
        Path p = resolve(path);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (!d.equals(root)) {
                    Files.deleteIfExists(d);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public Optional<Path> localFile(String path) {
        Path p = resolve(path);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * The root must still exist, be a directory and take a new file: an empty probe file (hidden like an upload in
     * progress, so listings never show it) is created and deleted.
     */
    @Override
    public void checkAvailable() throws Unavailable {
        if (!Files.exists(root)) {
            throw new Unavailable("the artifact root does not exist");
        }
        if (!Files.isDirectory(root)) {
            throw new Unavailable("the artifact root is not a directory");
        }
        try {
            Files.delete(Files.createTempFile(root, TEMP_PREFIX + "ready-", ""));
        } catch (IOException | SecurityException e) {
            throw new Unavailable("the artifact root is not writable", e);
        }
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }
}

package dev.dmsmlflow.billing.provider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The local sink: a directory tree; an export appears whole (its folder is renamed into place once every file is in). */
public final class LocalDirectorySink implements ExportSink {

    private final Path root;

    public LocalDirectorySink(Path root) {
        this.root = root.toAbsolutePath();
    }

    @Override
    public String put(String prefix, Path dir, List<String> files, String manifestName) throws IOException {
        Path target = root.resolve(prefix);
        Path staging = target.resolveSibling("." + target.getFileName() + ".partial");
        Files.createDirectories(staging);
        for (String f : files) {
            Files.copy(dir.resolve(f), staging.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.copy(dir.resolve(manifestName), staging.resolve(manifestName), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        return target.resolve(manifestName).toUri().toString();
    }
}

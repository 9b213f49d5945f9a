package dev.dmsmlflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The generated secrets of a local installation (database and Kafka passwords, master keys): each one random (CSPRNG,
 * 256 bits), created on first use and kept. {@link #inDirectory(Path)} keeps them as files of a directory only its owner
 * can enter (0700), one file per secret readable by its owner only (0600), so {@code ./dms up} finds the same ones on every
 * start; {@link #inMemory()} keeps them for the life of the JVM (tests). A secret's value is never part of a
 * {@code toString()}, a log line or an exception message.
 */
public final class LocalSecrets {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Map<String, String> values = new ConcurrentHashMap<>();

    private LocalSecrets(Path dir) {
        this.dir = dir;
    }

    /** Secrets kept as files in {@code dir} (created with mode 0700 if absent). */
    public static LocalSecrets inDirectory(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (UnsupportedOperationException e) { // not a POSIX file system
                    Files.createDirectory(dir);
                } catch (FileAlreadyExistsException e) {
                    // created concurrently
                }
            }
            restrict(dir, "rwx------");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the secrets directory " + dir, e);
        }
        return new LocalSecrets(dir);
    }

    /** Secrets of this JVM only, never written anywhere. */
    public static LocalSecrets inMemory() {
        return new LocalSecrets(null);
    }

    /** A new random password: 32 bytes from a CSPRNG, base64url without padding (43 characters, no quotes or spaces). */
    public static String generatePassword() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The directory holding the secrets, or null for in-memory secrets. */
    public Path directory() {
        return dir;
    }

    /** The file of secret {@code name} (whether it exists yet or not); null for in-memory secrets. */
    public Path file(String name) {
        requireName(name);
        return dir == null ? null : dir.resolve(name);
    }

    /** Whether the secret exists already. */
    public boolean exists(String name) {
        requireName(name);
        return values.containsKey(name) || dir != null && Files.isRegularFile(dir.resolve(name));
    }

    /** The secret {@code name}: read if it exists, otherwise generated ({@link #generatePassword()}) and kept. */
    public String password(String name) {
        requireName(name);
        return values.computeIfAbsent(name, this::readOrCreate);
    }

    private synchronized String readOrCreate(String name) {
        if (dir == null) {
            return generatePassword();
        }
        Path file = dir.resolve(name);
        try {
            if (Files.isRegularFile(file)) {
                restrict(file, "rw-------");
                String value = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (value.isEmpty()) {
                    throw new IllegalStateException("the secret file " + file + " is empty");
                }
                return value;
            }
            String value = generatePassword();
            // written to a private temporary file and moved into place, so no reader ever sees a partial secret
            Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
            restrict(tmp, "rw-------");
            Files.writeString(tmp, value + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secret file " + file, e);
        }
    }

    private static void restrict(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to restrict
        }
    }

    private static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a secret name: " + name);
        }
    }

    @Override
    public String toString() {
        return dir == null ? "LocalSecrets[in memory]" : "LocalSecrets[" + dir + "]";
    }
}

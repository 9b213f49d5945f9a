package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Where the CLI finds the gateway and its API key: {@code DMS_URL} / {@code DMS_API_KEY} / {@code DMS_WORKSPACE}
 * override the config file that {@code dms login} writes ({@code $DMS_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/dms/config.json}, else {@code ~/.config/dms/config.json}; mode 0600; the system property {@code dms.config} wins, for tests).
 */
public record CliConfig(String url, String apiKey, String workspace) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The key never appears in logs or stack traces. */
    @Override
    public String toString() {
        return "CliConfig[url=" + url + ", apiKey=" + (apiKey == null ? "none" : "(set)") + ", workspace=" + workspace + "]";
    }

    public static Path file(Map<String, String> env) {
        String explicit = System.getProperty("dms.config", env.get("DMS_CONFIG"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("dms").resolve("config.json");
    }

    /** The file's settings with the environment's on top. */
    public static CliConfig load(Map<String, String> env) {
        String url = null;
        String key = null;
        String ws = null;
        Path f = file(env);
        if (Files.isRegularFile(f)) {
            try {
                var node = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
                url = text(node.get("url"));
                key = text(node.get("apiKey"));
                ws = text(node.get("workspace"));
            } catch (IOException e) {
                throw new CliException("cannot read " + f + ": " + e.getMessage() + " (run dms login again)", 1);
            }
        }
        url = orElse(env.get("DMS_URL"), url);
        key = orElse(env.get("DMS_API_KEY"), key);
        ws = orElse(env.get("DMS_WORKSPACE"), ws);
        return new CliConfig(url, key, ws);
    }

    /** Writes the settings readable by their owner only (written to a private temporary file, then moved in place). */
    public void save(Map<String, String> env) {
        Path f = file(env);
        ObjectNode node = JSON.createObjectNode();
        node.put("url", url);
        node.put("apiKey", apiKey);
        if (workspace != null) {
            node.put("workspace", workspace);
        }
        try {
            Path dir = f.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path tmp = Files.createTempFile(dir, ".config", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    public CliConfig withWorkspace(String ws) {
        return new CliConfig(url, apiKey, ws);
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String orElse(String preferred, String fallback) {
        return preferred != null && !preferred.isBlank() ? preferred : fallback;
    }
}

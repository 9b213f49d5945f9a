package dev.dmsmlflow.notebook.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a session keeps its files. {@link #TEMPORARY} ("None" in the console): a directory of the runtime that is wiped at
 * every start. Persistent: an OSS location ({@code oss://bucket/path}) or a NAS file system ({@code nas://<file system>/path})
 * owned by the session's workspace, kept across restarts and deletes.
 *
 * @param scheme    {@code oss} or {@code nas}; null for temporary storage
 * @param container bucket or file system id
 * @param path      path inside it, without leading or trailing '/', possibly empty
 */
public record Storage(String scheme, String container, String path) {

    public static final Storage TEMPORARY = new Storage(null, null, null);
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
    private static final Pattern FILE_SYSTEM = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._@+=-]{1,255}");

    /** Why a location was refused. */
    public static final class InvalidStorage extends IllegalArgumentException {
        public InvalidStorage(String message) {
            super(message);
        }
    }

    /** Reads the field: null, blank or {@code none} (any case) is temporary storage. */
    public static Storage parse(String text) {
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("none")) {
            return TEMPORARY;
        }
        String t = text.strip();
        String scheme;
        if (t.startsWith("oss://")) {
            scheme = "oss";
        } else if (t.startsWith("nas://")) {
            scheme = "nas";
        } else {
            throw new InvalidStorage("dataStorage must be None, oss://<bucket>/<path> or nas://<file system id>/<path>.");
        }
        String rest = t.substring(6);
        int slash = rest.indexOf('/');
        String container = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
        if (scheme.equals("oss") && !BUCKET.matcher(container).matches()) {
            throw new InvalidStorage("the OSS bucket must be 3-63 lowercase letters, digits and '-', not starting or ending with '-'.");
        }
        if (scheme.equals("nas") && !FILE_SYSTEM.matcher(container).matches()) {
            throw new InvalidStorage("the NAS file system id must be lowercase letters, digits and '-' (at most 63).");
        }
        if (path.length() > 1024) {
            throw new InvalidStorage("the path must be at most 1024 characters.");
        }
        if (!path.isEmpty()) {
            for (String segment : path.split("/", -1)) {
                if (segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()) {
                    throw new InvalidStorage("each path segment must be letters, digits or . _ @ + = - (not '.' or '..', no empty segment).");
                }
            }
        }
        return new Storage(scheme, container, path);
    }

    public boolean temporary() {
        return scheme == null;
    }

    /** As users write it; empty for temporary storage. */
    public Optional<String> uri() {
        return temporary() ? Optional.empty() : Optional.of(scheme + "://" + container + (path.isEmpty() ? "" : "/" + path));
    }

    /** Whether the two locations overlap: the same, or one inside the other. */
    public boolean overlaps(Storage other) {
        if (temporary() || other.temporary() || !scheme.equals(other.scheme) || !container.equals(other.container)) {
            return false;
        }
        return within(path, other.path) || within(other.path, path);
    }

    private static boolean within(String inner, String outer) {
        return outer.isEmpty() || inner.equals(outer) || inner.startsWith(outer + "/");
    }
}

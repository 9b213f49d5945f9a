package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Validation of client-supplied artifact paths. A path is percent-decoded until it stops changing
 * (so {@code %252e%252e} is seen as {@code ..}), then refused when it is absolute, names a parent
 * ({@code ..}), contains a backslash, a NUL or other control character, a {@code #}, or looks like a
 * Windows drive or a URI. Accepted paths are normalised to {@code a/b/c}: no leading, trailing or
 * repeated slashes and no {@code .} segments. The empty string stands for the root.
 */
public final class ArtifactPaths {
    private static final int MAX_DECODE_ROUNDS = 10;
    public static final String INVALID_PATH = "Invalid path";

    private ArtifactPaths() {
    }

    /** Validates and normalises {@code raw}; null and empty mean the root (""). */
    public static String safe(String raw) {
        if (raw == null) {
            return "";
        }
        String p = decodeFully(raw);
        if (p.indexOf('\\') >= 0 || p.indexOf('#') >= 0) {
            throw invalid();
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw invalid();
            }
        }
        if (p.startsWith("/") || p.startsWith("~")) {
            throw invalid();
        }
        // Windows drive letters (C:foo, C:/foo) and URIs (file:/..., s3://...) are not relative paths.
        int colon = p.indexOf(':');
        if (colon >= 0) {
            int slash = p.indexOf('/');
            if (slash < 0 || colon < slash) {
                String head = p.substring(0, colon);
                if (head.length() == 1 || head.matches("[A-Za-z][A-Za-z0-9+.-]*") && p.startsWith(head + ":/")) {
                    throw invalid();
                }
            }
        }
        StringBuilder out = new StringBuilder(p.length());
        for (String seg : p.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                throw invalid();
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(seg);
        }
        return out.toString();
    }

    /** {@code base + "/" + rel} for normalised paths, either of which may be the root. */
    public static String join(String base, String rel) {
        if (base == null || base.isEmpty()) {
            return rel == null ? "" : rel;
        }
        if (rel == null || rel.isEmpty()) {
            return base;
        }
        return base + "/" + rel;
    }

    /** The last segment of a normalised path. */
    public static String baseName(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? path : path.substring(i + 1);
    }

    static MlflowException invalid() {
        return MlflowException.invalidParameter(INVALID_PATH);
    }

    /** Percent-decodes until the text no longer changes ({@code +} stays a plus: these are paths). */
    static String decodeFully(String s) {
        String cur = s;
        for (int round = 0; round < MAX_DECODE_ROUNDS; round++) {
            String next = percentDecode(cur);
            if (next.equals(cur)) {
                return cur;
            }
            cur = next;
        }
        throw invalid();
    }

    /** Decodes valid {@code %XX} escapes as UTF-8; a malformed escape is kept literally. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        byte[] src = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < src.length; i++) {
            byte b = src[i];
            if (b == '%' && i + 2 < src.length) {
                int hi = Character.digit(src[i + 1], 16);
                int lo = Character.digit(src[i + 2], 16);
                if (hi >= 0 && lo >= 0) {
                    bytes.write((hi << 4) | lo);
                    i += 2;
                    continue;
                }
            }
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}

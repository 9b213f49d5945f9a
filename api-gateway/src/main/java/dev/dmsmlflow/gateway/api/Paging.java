package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.platform.problem.ProblemException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/** Cursor pagination of the gateway's own lists: {@code pageSize} (1-100, default 20) and an opaque {@code pageToken}. */
public final class Paging {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;
    /** Form of every page token (gateway's own and services'). */
    public static final String TOKEN_PATTERN = "^[A-Za-z0-9_=-]{1,512}$";

    private Paging() {
    }

    public static int size(String pageSize) {
        if (pageSize == null || pageSize.isEmpty()) {
            return DEFAULT_SIZE;
        }
        int size;
        try {
            size = Integer.parseInt(pageSize);
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < 1 || size > MAX_SIZE) {
            throw ProblemException.invalidField("pageSize", "pageSize must be an integer from 1 to " + MAX_SIZE + ".");
        }
        return size;
    }

    /** Checks a token's form only (services' tokens are opaque to the gateway). */
    public static String checkToken(String pageToken) {
        if (pageToken == null || pageToken.isEmpty()) {
            return null;
        }
        if (pageToken.length() > 512 || !pageToken.matches("[A-Za-z0-9_=-]+")) {
            throw badToken();
        }
        return pageToken;
    }

    /** The cursor in one of our tokens of this kind, or null for the first page. */
    public static String after(String pageToken, String kind) {
        if (checkToken(pageToken) == null) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw badToken();
        }
        if (!decoded.startsWith(kind + ":") || decoded.length() == kind.length() + 1) {
            throw badToken();
        }
        return decoded.substring(kind.length() + 1);
    }

    /** Items of one page and the token of the next (null on the last page). */
    public record Slice<T>(List<T> items, String next) {
    }

    /** A page of {@code rows} (fetched with one extra row to know whether more follow). */
    public static <E, T> Slice<T> page(List<E> rows, int size, String kind, Function<E, T> view, Function<E, String> cursor) {
        String next = null;
        List<E> shown = rows;
        if (rows.size() > size) {
            shown = rows.subList(0, size);
            next = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((kind + ":" + cursor.apply(shown.get(size - 1))).getBytes(StandardCharsets.UTF_8));
        }
        return new Slice<>(shown.stream().map(view).toList(), next);
    }

    private static ProblemException badToken() {
        return ProblemException.invalidField("pageToken", "pageToken is not a token returned by this list.");
    }
}

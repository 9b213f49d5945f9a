package dev.dmsmlflow.platform.paging;

import dev.dmsmlflow.platform.problem.ProblemException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code pageSize} and {@code pageToken} query parameters of a cursor-paginated list, read from their raw text so
 * that a bad value is a 400 naming the parameter (a JAX-RS {@code int} parameter would answer 404). A page token is
 * opaque to clients: the base64url of {@code <list kind>:<position>}, so a token of one list is refused by another.
 *
 * @param size items per page
 * @param after the position after which the page starts (null: from the beginning)
 */
public record PageRequest(int size, String after) {

    /**
     * Parses the parameters of list {@code kind}.
     *
     * @throws ProblemException 400 naming {@code pageSize} (not an integer from 1 to {@code maxSize}) or {@code pageToken}
     *                          (not a token of this list)
     */
    public static PageRequest parse(String pageSize, String pageToken, int defaultSize, int maxSize, String kind) {
        int size = defaultSize;
        if (pageSize != null && !pageSize.isEmpty()) {
            try {
                size = Integer.parseInt(pageSize.trim());
            } catch (NumberFormatException e) {
                size = -1; // also values beyond int
            }
            if (size < 1 || size > maxSize) {
                throw ProblemException.invalidField("pageSize", "pageSize must be an integer from 1 to " + maxSize + ".");
            }
        }
        String after = null;
        if (pageToken != null && !pageToken.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw badToken();
            }
            if (!decoded.startsWith(kind + ":") || decoded.length() == kind.length() + 1) {
                throw badToken();
            }
            after = decoded.substring(kind.length() + 1);
        }
        return new PageRequest(size, after);
    }

    /** The token of the page that starts after {@code position} in list {@code kind}. */
    public static String token(String kind, String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((kind + ":" + position).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The page of {@code rows}, which were fetched with a limit of {@link #size()} + 1: the extra row only tells that
     * another page exists, whose token is the position of the page's last item.
     */
    public <R, T> Page<T> page(List<R> rows, String kind, Function<R, String> position, Function<R, T> view) {
        String next = null;
        List<R> shown = rows;
        if (rows.size() > size) {
            shown = rows.subList(0, size);
            next = token(kind, position.apply(shown.get(size - 1)));
        }
        return new Page<>(shown.stream().map(view).toList(), next);
    }

    /** The row limit to query with: one more than the page, to know whether another page follows. */
    public int fetchLimit() {
        return size + 1;
    }

    /** 400 naming {@code pageToken}, for a position inside a token that this list cannot read. */
    public static ProblemException badToken() {
        return ProblemException.invalidField("pageToken", "pageToken is not a token returned by this API.");
    }
}

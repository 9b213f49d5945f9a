package dev.dmsmlflow.platform.validation;

import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;

/**
 * Text a client sends must be valid Unicode without control characters before it goes anywhere near the database:
 * PostgreSQL refuses NUL in text (a 500 if nobody checked), and control characters or unpaired UTF-16 surrogates make no
 * sense in names, descriptions or addresses. A refusal is a 400 naming the field, with the code {@value #CODE}.
 */
public final class Text {

    /** The problem code of a refused text. */
    public static final String CODE = "INVALID_TEXT";

    private Text() {
    }

    /**
     * Why {@code value} is not acceptable text, or null when it is (null and empty are fine). Refused: NUL and every other
     * C0 control character (also tab and line breaks unless {@code multiLine}), DEL, the C1 controls, unpaired surrogates.
     */
    public static String invalidReason(String value, boolean multiLine) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return "must not contain a NUL character (at position " + i + ")";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must be valid Unicode: an unpaired surrogate at position " + i;
            }
            if (Character.isLowSurrogate(c)) {
                return "must be valid Unicode: an unpaired surrogate at position " + i;
            }
            boolean lineBreakOrTab = c == '\t' || c == '\n' || c == '\r';
            if ((c < 0x20 && !(multiLine && lineBreakOrTab)) || (c >= 0x7f && c <= 0x9f)) {
                return String.format("must not contain the control character U+%04X (at position %d)", (int) c, i);
            }
        }
        return null;
    }

    /** Throws a 400 problem naming {@code field} when {@code value} is not acceptable single-line text. */
    public static void require(String field, String value) {
        check(field, value, false);
    }

    /** As {@link #require}, allowing tabs and line breaks. */
    public static void requireMultiLine(String field, String value) {
        check(field, value, true);
    }

    private static void check(String field, String value, boolean multiLine) {
        String reason = invalidReason(value, multiLine);
        if (reason != null) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400, reason, field).withCode(CODE));
        }
    }
}

package dev.dmsmlflow.gateway.domain;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Identifiers of the gateway's own resources: random, so they cannot be guessed or enumerated. */
public final class Ids {

    /** Member ids: {@code mem_} and 16 lowercase letters and digits. */
    public static final String MEMBER_PATTERN = "^mem_[a-z0-9]{16}$";
    /** Workspace ids: generated {@code ws-} ids or an operator's choice such as {@code ws-1}. */
    public static final String WORKSPACE_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";
    /** API key ids (the part between {@code dms_} and the secret). */
    public static final String KEY_PATTERN = "^[a-z0-9]{16}$";

    private static final Pattern WORKSPACE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final char[] LOWER = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {
    }

    public static String member(SecureRandom random) {
        return "mem_" + random(random, LOWER, 16);
    }

    public static String workspace(SecureRandom random) {
        return "ws-" + random(random, LOWER, 12);
    }

    public static boolean isWorkspaceId(String value) {
        return value != null && WORKSPACE.matcher(value).matches();
    }

    static String random(SecureRandom random, char[] alphabet, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(out);
    }
}

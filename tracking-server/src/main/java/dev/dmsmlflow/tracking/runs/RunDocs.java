package dev.dmsmlflow.tracking.runs;

/**
 * The key order of a run's params and tags, metrics and dataset input tags in answers: code point order, as
 * run_docs lists params and tags (V53, {@code COLLATE "C"} on UTF-8) and as they were listed when read from their
 * own tables.
 */
final class RunDocs {
    private RunDocs() {
    }

    /** Code point order (String.compareTo compares UTF-16 units, which differs for supplementary characters). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}

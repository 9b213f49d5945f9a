package dev.dmsmlflow.notebook.domain;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compute specification: CPU cores + memory, written {@code <cores>C<GiB>G} as the console does ({@code 1C4G}).
 */
public record Spec(String name, int cpus, int memoryGib) {

    private static final Pattern FORMAT = Pattern.compile("^([1-9][0-9]{0,2})C([1-9][0-9]{0,3})G$");

    /** The spec a name describes, if it has the {@code <cores>C<GiB>G} form. */
    public static Optional<Spec> parse(String name) {
        Matcher m = name == null ? null : FORMAT.matcher(name);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Spec(name, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
    }
}

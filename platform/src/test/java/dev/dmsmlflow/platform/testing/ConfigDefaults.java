package dev.dmsmlflow.platform.testing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * One place per default: a default belongs to the {@code @WithDefault} of its {@code @ConfigMapping}, and a properties file
 * that says the same value again (literally, or as the fallback of {@code ${ENV:value}}) is a second place that will drift.
 * {@link #repeated} lists such lines; a service's test asserts it finds none ({@link #assertNoneRepeated}). An environment
 * variable of another name than the property's own belongs in the default itself: {@code @WithDefault("${DMS_WORK_DIR:.dms}")}.
 */
public final class ConfigDefaults {

    /**
     * The mappings platform brings into every service that depends on it, by name: a module without platform (the
     * tracking server takes only this test support) has none of them.
     */
    private static final List<String> PLATFORM = List.of("dev.dmsmlflow.platform.quarkus.MessagingConfig",
            "dev.dmsmlflow.platform.quarkus.RelayConfig");
    private static final java.util.regex.Pattern EXPRESSION = java.util.regex.Pattern.compile("\\$\\{[^:}]+:(.*)}");

    private ConfigDefaults() {
    }

    /** A property a mapping gives a default, as a pattern ({@code *} for a map key). */
    public record Default(String property, String value, String declaredIn) {
    }

    /** A line of a properties file that repeats a mapping's default. */
    public record Repeat(String key, String value, Default repeated) {
    }

    /** Every default of {@code mapping} (a {@code @ConfigMapping} interface), its groups and map values included. */
    public static List<Default> defaults(Class<?> mapping) {
        ConfigMapping m = mapping.getAnnotation(ConfigMapping.class);
        if (m == null) {
            throw new IllegalArgumentException(mapping + " is not a @ConfigMapping");
        }
        List<Default> out = new ArrayList<>();
        collect(m.prefix(), mapping, mapping.getSimpleName(), out);
        return out;
    }

    private static void collect(String prefix, Class<?> group, String declaredIn, List<Default> out) {
        for (Method method : group.getMethods()) {
            if (method.getParameterCount() > 0 || Modifier.isStatic(method.getModifiers()) || method.isDefault()
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = method.isAnnotationPresent(WithParentName.class) ? ""
                    : method.isAnnotationPresent(WithName.class) ? method.getAnnotation(WithName.class).value() : kebab(method.getName());
            String path = name.isEmpty() ? prefix : prefix.isEmpty() ? name : prefix + "." + name;
            Type type = method.getGenericReturnType();
            Class<?> raw = raw(type);
            if (Map.class.isAssignableFrom(raw) && type instanceof ParameterizedType p) {
                Type value = p.getActualTypeArguments()[1];
                if (isGroup(raw(value))) {
                    collect(path + ".*", raw(value), declaredIn, out);
                    continue;
                }
            } else if (Optional.class == raw && type instanceof ParameterizedType p && isGroup(raw(p.getActualTypeArguments()[0]))) {
                collect(path, raw(p.getActualTypeArguments()[0]), declaredIn, out);
                continue;
            } else if (isGroup(raw)) {
                collect(path, raw, declaredIn, out);
                continue;
            }
            WithDefault d = method.getAnnotation(WithDefault.class);
            if (d != null) {
                out.add(new Default(path, d.value(), declaredIn + "." + method.getName()));
            }
        }
    }

    /** The lines of {@code properties} (profile-less keys) that repeat one of {@code defaults}. */
    public static List<Repeat> repeated(Properties properties, List<Default> defaults) {
        List<Repeat> out = new ArrayList<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("%")) {
                continue; // a profile's own value is a deliberate difference
            }
            String value = properties.getProperty(key).strip();
            for (Default d : defaults) {
                if (matches(d.property(), key) && fallback(value).equals(fallback(d.value()))) {
                    out.add(new Repeat(key, value, d));
                }
            }
        }
        return out;
    }

    /**
     * Fails naming every line of the module's {@code src/main/resources/application.properties} that repeats a default of a
     * {@code @ConfigMapping} found among the module's compiled classes ({@code target/classes}) or of platform (the relay's
     * and the consumers' settings, which every service on platform has). Run from the module's directory (as Maven runs tests).
     */
    public static void assertNoneRepeated() {
        List<Default> defaults = new ArrayList<>();
        for (Class<?> c : mappingsOfModule()) {
            defaults.addAll(defaults(c));
        }
        for (String name : PLATFORM) {
            Class<?> c;
            try {
                c = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException e) {
                continue; // the module does not depend on platform
            }
            defaults.addAll(defaults(c));
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Repeat> repeats = repeated(p, defaults);
        if (!repeats.isEmpty()) {
            StringBuilder b = new StringBuilder("application.properties repeats defaults of the config mappings; keep the @WithDefault only:");
            repeats.forEach(r -> b.append("\n  ").append(r.key()).append('=').append(r.value()).append("  (")
                    .append(r.repeated().declaredIn()).append(" @WithDefault(\"").append(r.repeated().value()).append("\"))"));
            throw new AssertionError(b.toString());
        }
    }

    /** The {@code @ConfigMapping} interfaces compiled into the module's {@code target/classes}. */
    static List<Class<?>> mappingsOfModule() {
        Path classes = Path.of("target/classes");
        List<Class<?>> out = new ArrayList<>();
        if (!Files.isDirectory(classes)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains("$$") || name.endsWith("module-info")) {
                    continue;
                }
                try {
                    Class<?> c = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
                    if (c.isInterface() && c.isAnnotationPresent(ConfigMapping.class)) {
                        out.add(c);
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    // not loadable without the application around it: not a mapping interface of ours
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static boolean matches(String pattern, String key) {
        String[] want = pattern.split("\\.");
        List<String> have = segments(key);
        if (want.length != have.size()) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (!want[i].equals("*") && !want[i].equals(have.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** A key's segments; a quoted segment ({@code "Python3.9:1.0.9"}) is one. */
    private static List<String> segments(String key) {
        List<String> out = new ArrayList<>();
        StringBuilder s = new StringBuilder();
        boolean quoted = false;
        for (char c : key.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '.' && !quoted) {
                out.add(s.toString());
                s.setLength(0);
                continue;
            }
            s.append(c);
        }
        out.add(s.toString());
        return out;
    }

    /** {@code x} for {@code ${NAME:x}}, the value itself otherwise. */
    private static String fallback(String value) {
        Matcher m = EXPRESSION.matcher(value);
        return m.matches() ? m.group(1) : value;
    }

    private static boolean isGroup(Class<?> c) {
        return c.isInterface() && !c.getName().startsWith("java.");
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        return Object.class;
    }

    private static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}

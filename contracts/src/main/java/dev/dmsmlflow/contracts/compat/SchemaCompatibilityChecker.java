package dev.dmsmlflow.contracts.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Compares current event schemas with their released copies and lists the changes that break compatibility.
 *
 * <p>The rule: a payload valid under the released schema must stay valid under the current one, a released field
 * keeps its name and type, and objects keep accepting unknown properties. Adding optional properties, enum values,
 * new event types or loosening bounds is compatible. Local {@code $ref}s ({@code #/...}) are followed; patterns
 * and formats are not compared (review those by hand).
 */
public final class SchemaCompatibilityChecker {

    private static final String SCHEMA_SUFFIX = ".schema.json";
    private static final List<String> LOWER_BOUNDS =
            List.of("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties");
    private static final List<String> UPPER_BOUNDS =
            List.of("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties");
    private static final List<String> COMBINATORS = List.of("allOf", "anyOf", "oneOf");
    private static final JsonNode EMPTY_SCHEMA = JsonNodeFactory.instance.objectNode();

    /** Compares every released event type with the current set (keys are event type names). */
    public List<Incompatibility> check(Map<String, JsonNode> released, Map<String, JsonNode> current) {
        List<Incompatibility> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : new TreeMap<>(released).entrySet()) {
            JsonNode now = current.get(e.getKey());
            if (now == null) {
                out.add(new Incompatibility(e.getKey(), "$", IncompatibilityKind.EVENT_TYPE_REMOVED,
                        "released event type has no current schema"));
            } else {
                out.addAll(checkSchema(e.getKey(), e.getValue(), now));
            }
        }
        return out;
    }

    /** Compares one event type's released schema with its current schema. */
    public List<Incompatibility> checkSchema(String eventType, JsonNode released, JsonNode current) {
        Walk walk = new Walk(eventType, released, current);
        walk.compare(released, current, "$");
        return walk.found;
    }

    /** Reads every {@code <Type>.schema.json} in a directory, keyed by type name. */
    public static Map<String, JsonNode> loadDirectory(Path dir) {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(SCHEMA_SUFFIX)) {
                    out.put(name.substring(0, name.length() - SCHEMA_SUFFIX.length()), json.readTree(f.toFile()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schemas in " + dir, e);
        }
        return out;
    }

    /** Command line: {@code <releasedDir> <currentDir>}; prints incompatibilities and exits 1 if there are any. */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: SchemaCompatibilityChecker <releasedDir> <currentDir>");
            System.exit(2);
        }
        List<Incompatibility> found = new SchemaCompatibilityChecker()
                .check(loadDirectory(Path.of(args[0])), loadDirectory(Path.of(args[1])));
        found.forEach(System.out::println);
        System.out.println(found.isEmpty() ? "compatible" : found.size() + " incompatible change(s)");
        System.exit(found.isEmpty() ? 0 : 1);
    }

    /** State of one schema comparison: both roots (for $ref) and the pairs already compared (for recursive refs). */
    private static final class Walk {
        private final String eventType;
        private final JsonNode releasedRoot;
        private final JsonNode currentRoot;
        private final Map<JsonNode, Set<JsonNode>> visited = new IdentityHashMap<>();
        private final List<Incompatibility> found = new ArrayList<>();

        Walk(String eventType, JsonNode releasedRoot, JsonNode currentRoot) {
            this.eventType = eventType;
            this.releasedRoot = releasedRoot;
            this.currentRoot = currentRoot;
        }

        private void report(String path, IncompatibilityKind kind, String detail) {
            found.add(new Incompatibility(eventType, path, kind, detail));
        }

        void compare(JsonNode released, JsonNode current, String path) {
            JsonNode rel = resolve(releasedRoot, released == null ? EMPTY_SCHEMA : released);
            JsonNode cur = resolve(currentRoot, current == null ? EMPTY_SCHEMA : current);
            if (!visited.computeIfAbsent(rel, k -> Collections.newSetFromMap(new IdentityHashMap<>())).add(cur)) {
                return;
            }
            if (rel.isBoolean() || cur.isBoolean()) {
                boolean relOpen = !rel.isBoolean() || rel.booleanValue();
                boolean curOpen = !cur.isBoolean() || cur.booleanValue();
                if (!cur.isBoolean() && relOpen && rel.isBoolean()) {
                    compare(EMPTY_SCHEMA, cur, path);
                } else if (relOpen && !curOpen) {
                    report(path, IncompatibilityKind.CONSTRAINT_TIGHTENED, "schema became false");
                }
                return;
            }
            if (!compareTypes(rel, cur, path)) {
                return; // below a type change every nested difference is noise
            }
            compareEnums(rel, cur, path);
            compareBounds(rel, cur, path);
            compareObjects(rel, cur, path);
            compareArrays(rel, cur, path);
            compareCombinators(rel, cur, path);
        }

        /** Reports and returns false when a value of a released type is no longer allowed. */
        private boolean compareTypes(JsonNode rel, JsonNode cur, String path) {
            Set<String> relTypes = types(rel);
            Set<String> curTypes = types(cur);
            if (curTypes.isEmpty()) {
                return true;
            }
            if (relTypes.isEmpty()) {
                report(path, IncompatibilityKind.TYPE_CHANGED, "any type -> " + curTypes);
                return false;
            }
            for (String t : relTypes) {
                boolean covered = curTypes.contains(t) || ("integer".equals(t) && curTypes.contains("number"));
                if (!covered) {
                    report(path, IncompatibilityKind.TYPE_CHANGED, relTypes + " -> " + curTypes);
                    return false;
                }
            }
            return true;
        }

        private void compareEnums(JsonNode rel, JsonNode cur, String path) {
            JsonNode relEnum = rel.get("enum");
            JsonNode curEnum = cur.get("enum");
            if (curEnum != null && relEnum == null) {
                report(path, IncompatibilityKind.CONSTRAINT_TIGHTENED, "enum introduced");
            } else if (curEnum != null) {
                Set<JsonNode> allowed = new LinkedHashSet<>();
                curEnum.forEach(allowed::add);
                for (JsonNode v : relEnum) {
                    if (!allowed.contains(v)) {
                        report(path, IncompatibilityKind.ENUM_VALUE_REMOVED, "value " + v + " removed");
                    }
                }
            }
            JsonNode curConst = cur.get("const");
            if (curConst != null && !curConst.equals(rel.get("const"))) {
                report(path, IncompatibilityKind.CONSTRAINT_TIGHTENED, "const " + curConst + " introduced or changed");
            }
        }

        private void compareBounds(JsonNode rel, JsonNode cur, String path) {
            for (String k : LOWER_BOUNDS) {
                if (cur.has(k) && (!rel.has(k) || cur.get(k).decimalValue().compareTo(rel.get(k).decimalValue()) > 0)) {
                    report(path, IncompatibilityKind.CONSTRAINT_TIGHTENED, k + " " + rel.get(k) + " -> " + cur.get(k));
                }
            }
            for (String k : UPPER_BOUNDS) {
                if (cur.has(k) && (!rel.has(k) || cur.get(k).decimalValue().compareTo(rel.get(k).decimalValue()) < 0)) {
                    report(path, IncompatibilityKind.CONSTRAINT_TIGHTENED, k + " " + rel.get(k) + " -> " + cur.get(k));
                }
            }
            if (cur.path("uniqueItems").asBoolean(false) && !rel.path("uniqueItems").asBoolean(false)) {
                report(path, IncompatibilityKind.CONSTRAINT_TIGHTENED, "uniqueItems introduced");
            }
        }

        private void compareObjects(JsonNode rel, JsonNode cur, String path) {
            JsonNode relProps = rel.path("properties");
            JsonNode curProps = cur.path("properties");
            for (Map.Entry<String, JsonNode> p : relProps.properties()) {
                String childPath = path + "." + p.getKey();
                if (!curProps.has(p.getKey())) {
                    report(childPath, IncompatibilityKind.PROPERTY_REMOVED, "property removed");
                } else {
                    compare(p.getValue(), curProps.get(p.getKey()), childPath);
                }
            }
            Set<String> relRequired = strings(rel.get("required"));
            for (String name : strings(cur.get("required"))) {
                if (!relRequired.contains(name)) {
                    report(path + "." + name, IncompatibilityKind.NEWLY_REQUIRED, "property is now required");
                }
            }
            JsonNode relExtra = rel.get("additionalProperties");
            JsonNode curExtra = cur.get("additionalProperties");
            boolean relOpen = relExtra == null || !relExtra.isBoolean() || relExtra.booleanValue();
            boolean curOpen = curExtra == null || !curExtra.isBoolean() || curExtra.booleanValue();
            if (relOpen && !curOpen) {
                report(path, IncompatibilityKind.ADDITIONAL_PROPERTIES_CLOSED, "additionalProperties became false");
            } else if (curExtra != null && curExtra.isObject()) {
                compare(relExtra == null ? EMPTY_SCHEMA : relExtra, curExtra, path + ".*");
            }
        }

        private void compareArrays(JsonNode rel, JsonNode cur, String path) {
            if (rel.has("items") || cur.has("items")) {
                compare(rel.get("items"), cur.get("items"), path + "[]");
            }
        }

        private void compareCombinators(JsonNode rel, JsonNode cur, String path) {
            for (String k : COMBINATORS) {
                JsonNode r = rel.get(k);
                JsonNode c = cur.get(k);
                if (r == null && c == null) {
                    continue;
                }
                if (r == null || c == null || r.size() != c.size()) {
                    report(path, IncompatibilityKind.UNCOMPARABLE, k + " changed shape; compare by hand and release");
                    continue;
                }
                for (int i = 0; i < r.size(); i++) {
                    compare(r.get(i), c.get(i), path + "(" + k + "[" + i + "])");
                }
            }
        }

        private static JsonNode resolve(JsonNode root, JsonNode node) {
            JsonNode current = node;
            for (int hops = 0; current.has("$ref"); hops++) {
                String ref = current.get("$ref").asText();
                if (!ref.startsWith("#") || hops > 32) {
                    throw new IllegalArgumentException("only local, non-circular $ref are supported: " + ref);
                }
                JsonNode target = root.at(ref.substring(1));
                if (target.isMissingNode()) {
                    throw new IllegalArgumentException("dangling $ref " + ref);
                }
                current = target;
            }
            return current;
        }

        private static Set<String> types(JsonNode schema) {
            JsonNode t = schema.get("type");
            Set<String> out = new LinkedHashSet<>();
            if (t == null) {
                return out;
            }
            if (t.isArray()) {
                t.forEach(v -> out.add(v.asText()));
            } else {
                out.add(t.asText());
            }
            return out;
        }

        private static Set<String> strings(JsonNode array) {
            Set<String> out = new LinkedHashSet<>();
            if (array != null) {
                array.forEach(v -> out.add(v.asText()));
            }
            return out;
        }
    }
}

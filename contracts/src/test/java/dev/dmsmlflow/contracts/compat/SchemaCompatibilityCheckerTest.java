package dev.dmsmlflow.contracts.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaCompatibilityCheckerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SchemaCompatibilityChecker checker = new SchemaCompatibilityChecker();

    // single quotes keep the synthetic schemas readable
    private static JsonNode json(String singleQuoted) {
        try {
            return JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final String BASE = "{'type':'object','additionalProperties':true,'required':['id'],"
            + "'properties':{'id':{'type':'string'},'note':{'type':'string'},"
            + "'code':{'type':'string','enum':['A','B']},'count':{'type':'integer','minimum':0},"
            + "'backend':{'$ref':'#/$defs/Backend'},"
            + "'entries':{'type':'array','items':{'type':'object','additionalProperties':true,"
            + "'required':['cidr'],'properties':{'cidr':{'type':'string'},'label':{'type':'string'}}}}},"
            + "'$defs':{'Backend':{'type':'object','additionalProperties':true,'required':['host'],"
            + "'properties':{'host':{'type':'string'},'port':{'type':'integer'}}}}}";

    private List<Incompatibility> diff(String current) {
        return checker.checkSchema("Sample", json(BASE), json(current));
    }

    private static void assertOnly(List<Incompatibility> found, IncompatibilityKind kind, String path) {
        assertEquals(1, found.size(), found.toString());
        assertEquals(kind, found.get(0).kind(), found.toString());
        assertEquals(path, found.get(0).path(), found.toString());
    }

    @Test
    void identicalSchemasAreCompatible() {
        assertTrue(diff(BASE).isEmpty());
    }

    @Test
    void addingAnOptionalPropertyIsCompatible() {
        assertTrue(diff(BASE.replace("'note':{'type':'string'}", "'note':{'type':'string'},'extra':{'type':'string'}"))
                .isEmpty());
    }

    @Test
    void addingAnOptionalPropertyInsideANestedRefIsCompatible() {
        assertTrue(diff(BASE.replace("'port':{'type':'integer'}", "'port':{'type':'integer'},'zone':{'type':'string'}"))
                .isEmpty());
    }

    @Test
    void addingAnEnumValueIsCompatible() {
        assertTrue(diff(BASE.replace("['A','B']", "['A','B','C']")).isEmpty());
    }

    @Test
    void wideningIntegerToNumberAndLooseningABoundIsCompatible() {
        assertTrue(diff(BASE.replace("'count':{'type':'integer','minimum':0}", "'count':{'type':'number'}")).isEmpty());
    }

    @Test
    void addingANewEventTypeIsCompatible() {
        Map<String, JsonNode> released = Map.of("Sample", json(BASE));
        Map<String, JsonNode> current = Map.of("Sample", json(BASE), "Other", json(BASE));
        assertTrue(checker.check(released, current).isEmpty());
    }

    @Test
    void removingAPropertyIsFlagged() {
        assertOnly(diff(BASE.replace("'note':{'type':'string'},", "")), IncompatibilityKind.PROPERTY_REMOVED, "$.note");
    }

    @Test
    void removingAPropertyOfAnArrayItemIsFlaggedWithItsPath() {
        assertOnly(diff(BASE.replace(",'label':{'type':'string'}", "")), IncompatibilityKind.PROPERTY_REMOVED,
                "$.entries[].label");
    }

    @Test
    void removingAPropertyBehindARefIsFlagged() {
        assertOnly(diff(BASE.replace(",'port':{'type':'integer'}", "")), IncompatibilityKind.PROPERTY_REMOVED,
                "$.backend.port");
    }

    @Test
    void changingATypeIsFlagged() {
        assertOnly(diff(BASE.replace("'note':{'type':'string'}", "'note':{'type':'integer'}")),
                IncompatibilityKind.TYPE_CHANGED, "$.note");
    }

    @Test
    void narrowingNumberToIntegerIsFlagged() {
        String released = BASE.replace("'count':{'type':'integer','minimum':0}", "'count':{'type':'number','minimum':0}");
        List<Incompatibility> found = checker.checkSchema("Sample", json(released), json(BASE));
        assertOnly(found, IncompatibilityKind.TYPE_CHANGED, "$.count");
    }

    @Test
    void turningAnArrayIntoAnObjectIsFlagged() {
        String current = BASE.replace("'entries':{'type':'array','items':", "'entries':{'type':'object','x':");
        assertOnly(diff(current), IncompatibilityKind.TYPE_CHANGED, "$.entries");
    }

    @Test
    void makingAnOptionalPropertyRequiredIsFlagged() {
        assertOnly(diff(BASE.replace("'required':['id']", "'required':['id','note']")),
                IncompatibilityKind.NEWLY_REQUIRED, "$.note");
    }

    @Test
    void addingARequiredPropertyIsFlagged() {
        String current = BASE.replace("'required':['id']", "'required':['id','fresh']")
                .replace("'id':{'type':'string'}", "'id':{'type':'string'},'fresh':{'type':'string'}");
        assertOnly(diff(current), IncompatibilityKind.NEWLY_REQUIRED, "$.fresh");
    }

    @Test
    void makingANestedOptionalPropertyRequiredIsFlagged() {
        assertOnly(diff(BASE.replace("'required':['host']", "'required':['host','port']")),
                IncompatibilityKind.NEWLY_REQUIRED, "$.backend.port");
        assertOnly(diff(BASE.replace("'required':['cidr']", "'required':['cidr','label']")),
                IncompatibilityKind.NEWLY_REQUIRED, "$.entries[].label");
    }

    @Test
    void removingAnEnumValueIsFlagged() {
        List<Incompatibility> found = diff(BASE.replace("['A','B']", "['A','C']"));
        assertOnly(found, IncompatibilityKind.ENUM_VALUE_REMOVED, "$.code");
        assertTrue(found.get(0).detail().contains("\"B\""), found.toString());
    }

    @Test
    void removingAnEventTypeIsFlagged() {
        Map<String, JsonNode> released = Map.of("Sample", json(BASE), "Gone", json(BASE));
        List<Incompatibility> found = checker.check(released, Map.of("Sample", json(BASE)));
        assertEquals(1, found.size(), found.toString());
        assertEquals(IncompatibilityKind.EVENT_TYPE_REMOVED, found.get(0).kind());
        assertEquals("Gone", found.get(0).eventType());
    }

    @Test
    void closingAdditionalPropertiesIsFlagged() {
        assertOnly(diff(BASE.replaceFirst("'additionalProperties':true", "'additionalProperties':false")),
                IncompatibilityKind.ADDITIONAL_PROPERTIES_CLOSED, "$");
    }

    @Test
    void tighteningABoundOrIntroducingAnEnumIsFlagged() {
        assertOnly(diff(BASE.replace("'minimum':0", "'minimum':1")), IncompatibilityKind.CONSTRAINT_TIGHTENED, "$.count");
        assertOnly(diff(BASE.replace("'note':{'type':'string'}", "'note':{'type':'string','maxLength':10}")),
                IncompatibilityKind.CONSTRAINT_TIGHTENED, "$.note");
        assertOnly(diff(BASE.replace("'note':{'type':'string'}", "'note':{'type':'string','enum':['x']}")),
                IncompatibilityKind.CONSTRAINT_TIGHTENED, "$.note");
    }

    @Test
    void everyIncompatibilityInOneSchemaIsReported() {
        String current = BASE.replace("'note':{'type':'string'},", "")
                .replace("['A','B']", "['A']")
                .replace("'required':['id']", "'required':['id','code']")
                .replace("'host':{'type':'string'}", "'host':{'type':'integer'}");
        assertEquals(4, diff(current).size(), diff(current).toString());
    }

    @Test
    void recursiveRefsTerminate() {
        String tree = "{'type':'object','properties':{'child':{'$ref':'#'},'name':{'type':'string'}}}";
        assertTrue(checker.checkSchema("Tree", json(tree), json(tree)).isEmpty());
        List<Incompatibility> found = checker.checkSchema("Tree", json(tree),
                json("{'type':'object','properties':{'child':{'$ref':'#'}}}"));
        assertEquals(IncompatibilityKind.PROPERTY_REMOVED, found.get(0).kind());
    }

    @Test
    void aRemoteRefIsRejectedRatherThanSilentlyIgnored() {
        String remote = "{'type':'object','properties':{'x':{'$ref':'other.json#/x'}}}";
        assertThrows(IllegalArgumentException.class, () -> checker.checkSchema("R", json(remote), json(remote)));
    }
}

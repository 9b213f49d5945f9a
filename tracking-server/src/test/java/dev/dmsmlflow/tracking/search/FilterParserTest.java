package dev.dmsmlflow.tracking.search;

import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.experiments.ExperimentStore.ViewType;
import dev.dmsmlflow.tracking.http.ErrorCode;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.runs.RunSearch;
import dev.dmsmlflow.tracking.search.FilterParser.Clause;
import dev.dmsmlflow.tracking.search.FilterParser.OrderTerm;
import dev.dmsmlflow.tracking.search.FilterParser.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilterParserTest {

    @Test
    void parsesClausesWithAliasesAndQuotedKeys() {
        List<Clause> cs = FilterParser.parseFilter(
                "metrics.acc > 0.9 and params.`learning rate` = '0.01' AND tag.\"mlflow.user\" LIKE 'al%' "
                        + "AND attributes.status != 'FAILED' AND run_name ILIKE '%x%' AND metric.loss <= -1e-3");
        assertEquals(6, cs.size());
        assertEquals(new Clause("metric", "acc", ">", new Value(Value.Kind.NUMBER, "0.9", 0.9, null)), cs.get(0));
        assertEquals("param", cs.get(1).type());
        assertEquals("learning rate", cs.get(1).key());
        assertEquals("0.01", cs.get(1).value().text());
        assertEquals("tag", cs.get(2).type());
        assertEquals("mlflow.user", cs.get(2).key());
        assertEquals("LIKE", cs.get(2).comparator());
        assertEquals("attribute", cs.get(3).type());
        assertEquals("!=", cs.get(3).comparator());
        assertEquals(new Clause("attribute", "run_name", "ILIKE", new Value(Value.Kind.STRING, "%x%", null, null)), cs.get(4));
        assertEquals(-1e-3, cs.get(5).value().number());
    }

    @Test
    void dottedTagKeysAndInLists() {
        List<Clause> cs = FilterParser.parseFilter("tags.mlflow.source.name = 'train.py' AND run_id IN ('a', \"b\") "
                + "AND attribute.run_id NOT IN ('c')");
        assertEquals("mlflow.source.name", cs.get(0).key());
        assertEquals(List.of("a", "b"), cs.get(1).value().list());
        assertEquals("IN", cs.get(1).comparator());
        assertEquals("NOT IN", cs.get(2).comparator());
        assertEquals(List.of("c"), cs.get(2).value().list());
    }

    @Test
    void quotesInsideValuesStayValues() {
        Clause c = FilterParser.parseFilter("params.p = 'it''s; DROP TABLE runs; --'").get(0);
        assertEquals("it's; DROP TABLE runs; --", c.value().text());
    }

    @Test
    void blankFilterHasNoClauses() {
        assertTrue(FilterParser.parseFilter(null).isEmpty());
        assertTrue(FilterParser.parseFilter("   ").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "metrics.acc > 0.9 OR params.x = 'y'",
        "metrics.acc >",
        "metrics.acc 0.9",
        "(metrics.acc > 0.9)",
        "params.x = 'unterminated",
        "metrics.acc > 0.9 AND",
        "foo.bar = 'x'",
        "metrics.acc > 0.9; DROP TABLE runs",
        "params.x = 'a' -- comment",
        "params.x = 'a' UNION SELECT * FROM runs",
        "metrics.acc > 1 AND AND params.x = 'y'",
        "metrics.x IS NULL",
        "tags.x IS 'y'",
        "params.x NOT LIKE 'y'",
        "run_id IN ('a', 1)",
        "run_id IN ('a'",
        "metrics.x = 0x10",
    })
    void invalidFiltersAreInvalidParameterValue(String filter) {
        boolean rejected;
        try {
            List<Clause> cs = FilterParser.parseFilter(filter);
            // Grammar-valid strings must then be rejected by the runs validator or be harmless.
            RunSearch.build(List.of("0"), filter, ViewType.ACTIVE_ONLY, List.of());
            rejected = cs.stream().anyMatch(c -> c.value().kind() == Value.Kind.STRING && c.value().text().isEmpty());
        } catch (MlflowException e) {
            assertEquals(ErrorCode.INVALID_PARAMETER_VALUE, e.errorCode());
            rejected = true;
        }
        assertTrue(rejected, filter);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "metrics.acc = 'high'",
        "params.x > 1",
        "params.x > '1'",
        "tags.t = 5",
        "attributes.start_time = 'yesterday'",
        "attributes.status IN ('FINISHED')",
        "attributes.nope = 'x'",
        "datasets.foo = 'x'",
        "run_id = 1",
    })
    void typeErrorsAreRejectedByTheRunsValidator(String filter) {
        MlflowException e = assertThrows(MlflowException.class,
                () -> RunSearch.build(List.of("0"), filter, ViewType.ACTIVE_ONLY, List.of()));
        assertEquals(ErrorCode.INVALID_PARAMETER_VALUE, e.errorCode());
    }

    @Test
    void valuesAndKeysAreBoundNeverPasted() {
        String evil = "x'; DROP TABLE runs; --";
        Sql sql = RunSearch.build(List.of("1", "2"),
                "params.`" + evil + "` = '" + evil.replace("'", "''") + "' AND metrics.m > 3 AND run_id IN ('" + evil.replace("'", "''") + "')",
                ViewType.ALL, List.of("metrics.`" + evil + "` DESC", "tags.t"));
        assertFalse(sql.text().contains("DROP"), sql.text());
        assertTrue(sql.values().contains(evil));
        assertTrue(sql.values().contains(3.0));
        long placeholders = sql.text().chars().filter(ch -> ch == '?').count();
        assertEquals(sql.values().size(), placeholders);
    }

    @Test
    void orderByItems() {
        assertEquals(new OrderTerm("metric", "acc", false), FilterParser.parseOrderBy("metrics.acc DESC"));
        assertEquals(new OrderTerm("attribute", "start_time", true), FilterParser.parseOrderBy("start_time"));
        assertEquals(new OrderTerm("param", "a b", true), FilterParser.parseOrderBy("params.`a b` asc"));
        for (String bad : List.of("", "metrics.acc DESCENDING", "metrics.acc DESC extra", "metrics.", "bogus.x")) {
            MlflowException e = assertThrows(MlflowException.class, () -> FilterParser.parseOrderBy(bad), bad);
            assertEquals(ErrorCode.INVALID_PARAMETER_VALUE, e.errorCode());
        }
    }

    @Test
    void duplicateOrderKeysAreRejected() {
        assertThrows(MlflowException.class, () -> RunSearch.build(List.of("0"), null, ViewType.ACTIVE_ONLY,
                List.of("metrics.a", "metric.a DESC")));
        assertThrows(MlflowException.class, () -> RunSearch.build(List.of("0"), null, ViewType.ACTIVE_ONLY,
                List.of("start_time", "attributes.created DESC")));
    }

    @Test
    void pageTokensRoundTripAndRejectGarbage() {
        assertEquals(1234, PageToken.decodeOffset(PageToken.encode(1234)));
        assertEquals(0, PageToken.decodeOffset(null));
        for (String bad : List.of("abc", "eyJmb28iOiAxfQ==", "bm90IGpzb24=")) {
            MlflowException e = assertThrows(MlflowException.class, () -> PageToken.decodeOffset(bad), bad);
            assertEquals(ErrorCode.INVALID_PARAMETER_VALUE, e.errorCode());
        }
    }
}

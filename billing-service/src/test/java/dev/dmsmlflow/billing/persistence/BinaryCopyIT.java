package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The ledger's binary COPY against the real PostgreSQL: every value lands as the same value written as text would (the
 * path the ledger took before, and still takes for redeliveries), numerics at the columns' scales included.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class BinaryCopyIT {

    @Inject
    AgroalDataSource db;

    private record Row(String text, BigDecimal quantity, BigDecimal cost, Instant at, LocalDate day, UUID id, boolean flag) {
    }

    @Test
    void copiedValuesEqualTheSameValuesWrittenAsText() {
        List<Row> rows = new ArrayList<>();
        String[] numbers = {"0", "0.000000", "0.000001", "1", "12.5", "0.35", "9999.9999", "10000", "10000.000001", "0.333333",
                "123456789012.123456", "-0.35", "-10000.5", "1E+5", "0.000000000001", "123456789012.123456789012", "7.100000000000"};
        Instant[] instants = {Instant.parse("2025-08-01T00:00:00Z"), Instant.parse("1999-12-31T23:59:59Z"),
                Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2025-08-01T01:00:05.123456Z"),
                Instant.parse("2025-08-01T01:00:05.123456789Z"), Instant.parse("1970-01-01T00:00:00.000001Z"),
                Instant.parse("2100-03-01T12:00:00Z")};
        String[] texts = {"/instance-service", "mlflow.small", "名前 ü – notebook", "", null, "tab\there, \"quoted\", back\\slash"};
        for (int i = 0; i < numbers.length; i++) {
            BigDecimal n = new BigDecimal(numbers[i]);
            rows.add(new Row(texts[i % texts.length], n.abs().compareTo(new BigDecimal("1E+18")) < 0 ? n : BigDecimal.ONE, n,
                    instants[i % instants.length], LocalDate.parse("2025-08-01").plusDays(i * 40L - 300), UUID.randomUUID(), i % 2 == 0));
        }
        QuarkusTransaction.requiringNew().run(() -> {
            try (Connection c = db.getConnection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TEMP TABLE copy_probe (t varchar(64), q numeric(24, 6), cost numeric(32, 12), at timestamptz, "
                            + "day date, id uuid, flag boolean, pos serial) ON COMMIT DROP");
                }
                BinaryCopy b = BinaryCopy.start(c.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("COPY copy_probe (t, q, cost, at, day, id, flag) FROM STDIN (FORMAT binary)"));
                for (Row r : rows) {
                    b.row(7).text(r.text()).numeric(r.quantity()).numeric(r.cost()).timestamp(r.at()).date(r.day()).uuid(r.id()).bool(r.flag());
                }
                assertEquals(rows.size(), b.finish());
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT p.t IS NOT DISTINCT FROM ?::varchar(64), p.q::text, ?::numeric(24, 6)::text, p.cost::text,
                               ?::numeric(32, 12)::text, p.at = ?::timestamptz, p.at::text, p.day = ?::date, p.id = ?::uuid, p.flag = ?
                        FROM copy_probe p WHERE p.pos = ?""")) {
                    for (int i = 0; i < rows.size(); i++) {
                        Row r = rows.get(i);
                        ps.setString(1, r.text());
                        ps.setString(2, r.quantity().toString());
                        ps.setString(3, r.cost().toString());
                        ps.setString(4, r.at().toString());
                        ps.setString(5, r.day().toString());
                        ps.setString(6, r.id().toString());
                        ps.setBoolean(7, r.flag());
                        ps.setInt(8, i + 1);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            String row = "row " + (i + 1) + " " + r;
                            assertEquals(true, rs.getBoolean(1), row);
                            assertEquals(rs.getString(3), rs.getString(2), row);
                            assertEquals(rs.getString(5), rs.getString(4), row);
                            assertEquals(true, rs.getBoolean(6), row + " at " + rs.getString(7));
                            assertEquals(true, rs.getBoolean(8), row);
                            assertEquals(true, rs.getBoolean(9), row);
                            assertEquals(true, rs.getBoolean(10), row);
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aValueBeyondTheColumnsPrecisionIsRefusedAsTextInputRefusesIt() throws SQLException {
        try (Connection c = db.getConnection()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS copy_limit (q numeric(24, 6))");
            }
            BinaryCopy b = BinaryCopy.start(c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY copy_limit FROM STDIN (FORMAT binary)"));
            b.row(1).numeric(new BigDecimal("1000000000000000000")); // 19 integer digits; the column holds 18
            SQLException e = assertThrows(SQLException.class, b::finish);
            assertEquals("22003", e.getSQLState(), e.getMessage()); // numeric_value_out_of_range
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM copy_limit")) {
                rs.next();
                assertEquals(0, rs.getLong(1));
            }
        }
    }
}

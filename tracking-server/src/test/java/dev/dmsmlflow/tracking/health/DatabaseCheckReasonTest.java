package dev.dmsmlflow.tracking.health;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The database check answers with fixed sentences chosen by SQLState, never the driver's message. */
class DatabaseCheckReasonTest {

    private static String reason(String state) {
        return DatabaseCheck.reason(new SQLException("FATAL: database \"tracking_x\" at 10.0.0.5:5432 user=mlflow", state));
    }

    @Test
    void connectionFailuresReadAsNotAcceptingConnections() {
        for (String state : new String[]{"55000", "08001", "08006", "57P01", "57P03", "53300", "3D000"}) {
            assertEquals("the database does not accept connections", reason(state), state);
        }
    }

    @Test
    void credentialsTimeoutsAndEverythingElseHaveTheirOwnSentence() {
        assertEquals("the database refused the server's credentials", reason("28P01"));
        assertEquals("the database did not answer in time", reason("57014"));
        assertEquals("the database check failed", reason("42601"));
        assertEquals("the database check failed", reason(null));
    }

    @Test
    void theStateOfAWrappedCauseCounts() {
        SQLException outer = new SQLException("pool: could not get a connection", null, new SQLException("refused", "08001"));
        assertEquals("the database does not accept connections", DatabaseCheck.reason(outer));
    }
}

package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.inbox.Inbox;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/** The inbox for Quarkus handlers: call first inside the handler's transaction and skip when it says false. */
@ApplicationScoped
public class InboxGuard {

    private final AgroalDataSource dataSource;

    InboxGuard(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** True the first time {@code consumer} sees {@code eventId}; false for every redelivery. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean firstDelivery(String consumer, String eventId) {
        try (Connection c = dataSource.getConnection()) {
            return Inbox.firstDelivery(c, consumer, eventId);
        } catch (SQLException e) {
            throw new IllegalStateException("inbox check failed for " + consumer, e);
        }
    }

    /** The ids of {@code eventIds} that {@code consumer} sees for the first time (one statement for the batch). */
    @Transactional(Transactional.TxType.MANDATORY)
    public Set<String> firstDeliveries(String consumer, List<String> eventIds) {
        try (Connection c = dataSource.getConnection()) {
            return Inbox.firstDeliveries(c, consumer, eventIds);
        } catch (SQLException e) {
            throw new IllegalStateException("inbox check failed for " + consumer, e);
        }
    }
}

package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.inbox.Inbox;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.SQLException;

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
}

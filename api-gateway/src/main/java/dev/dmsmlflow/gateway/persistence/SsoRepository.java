package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.Optional;

/**
 * The console's sign-ins in progress, hand-offs and renewable sessions (tables {@code sso_*}). Taking a flow or a hand-off
 * locks and deletes its row in the caller's transaction, so across replicas each is used at most once.
 */
@ApplicationScoped
public class SsoRepository {

    private static EntityManager em() {
        return Panache.getEntityManager();
    }

    public void persist(Object entity) {
        em().persist(entity);
    }

    /** The row, locked and deleted (the caller's transaction commits both), if it exists. */
    public <T> Optional<T> take(Class<T> type, String sha256) {
        T row = em().find(type, sha256, LockModeType.PESSIMISTIC_WRITE);
        if (row != null) {
            em().remove(row);
        }
        return Optional.ofNullable(row);
    }

    public <T> Optional<T> find(Class<T> type, String sha256, boolean lock) {
        return Optional.ofNullable(lock ? em().find(type, sha256, LockModeType.PESSIMISTIC_WRITE) : em().find(type, sha256));
    }

    public boolean delete(Class<?> type, String sha256) {
        Object row = em().find(type, sha256);
        if (row == null) {
            return false;
        }
        em().remove(row);
        return true;
    }

    /** Sign-ins not back yet and unexpired (a bound on what one gateway keeps for strangers). */
    public long pendingFlows(Instant now) {
        return em().createQuery("SELECT count(f) FROM SsoFlowEntity f WHERE f.expiresAt > :now", Long.class)
                .setParameter("now", now).getSingleResult();
    }

    /** Deletes every expired flow, hand-off and session; returns how many rows went. */
    public int deleteExpired(Instant now) {
        int n = 0;
        for (String entity : new String[] {"SsoFlowEntity", "SsoHandoffEntity", "SsoSessionEntity"}) {
            n += em().createQuery("DELETE FROM " + entity + " e WHERE e.expiresAt <= :now").setParameter("now", now).executeUpdate();
        }
        return n;
    }
}

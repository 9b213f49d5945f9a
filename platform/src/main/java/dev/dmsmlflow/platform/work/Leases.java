package dev.dmsmlflow.platform.work;

import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Leases on rows with persisted work, so that of several replicas of a service exactly one carries out a row's work at a
 * time: a replica claims the row (one conditional UPDATE: the work is still pending and nobody else holds an unexpired
 * lease), renews the lease while its remote work runs, and gives it back afterwards. A replica that died leaves a lease that
 * lapses, then another one takes the row over; a replica restarted in place (same owner name) takes its rows back at once.
 * The table and column names are the caller's constants, never user input; the owner and lease columns are best left
 * unmapped on the entity, so that saving the entity never overwrites them.
 */
public final class Leases {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    private final String table;
    private final String idColumn;
    private final String ownerColumn;
    private final String untilColumn;

    /**
     * @param table       the table holding the work
     * @param idColumn    its primary key column (text)
     * @param ownerColumn the column naming the replica that holds the lease (text, null when free)
     * @param untilColumn the column holding when the lease lapses ({@code timestamptz}, null when free)
     */
    public Leases(String table, String idColumn, String ownerColumn, String untilColumn) {
        this.table = identifier(table);
        this.idColumn = identifier(idColumn);
        this.ownerColumn = identifier(ownerColumn);
        this.untilColumn = identifier(untilColumn);
    }

    private static String identifier(String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain SQL identifier: " + name);
        }
        return name;
    }

    /**
     * Takes the lease on row {@code id} for {@code owner} for {@code lease} in the caller's transaction: true when
     * {@code pending} (an SQL condition on the row, the caller's constant, whose parameters are {@code ?4}, {@code ?5}...
     * bound from {@code params}) holds and nobody else holds an unexpired lease.
     */
    public boolean claim(EntityManager em, String id, String owner, Duration lease, String pending, Object... params) {
        var q = em.createNativeQuery("UPDATE " + table + " SET " + ownerColumn + " = ?1, " + untilColumn
                        + " = now() + make_interval(secs => ?2) WHERE " + idColumn + " = ?3 AND (" + pending + ") AND ("
                        + ownerColumn + " IS NULL OR " + ownerColumn + " = ?1 OR " + untilColumn + " IS NULL OR "
                        + untilColumn + " < now())")
                .setParameter(1, owner).setParameter(2, seconds(lease)).setParameter(3, id);
        for (int i = 0; i < params.length; i++) {
            q.setParameter(4 + i, params[i]);
        }
        return q.executeUpdate() == 1;
    }

    /** Extends {@code owner}'s leases on the rows {@code ids} by {@code lease} from now; answers how many it still held. */
    public int renew(EntityManager em, String owner, Collection<String> ids, Duration lease) {
        if (ids.isEmpty()) {
            return 0;
        }
        return em.createNativeQuery("UPDATE " + table + " SET " + untilColumn + " = now() + make_interval(secs => ?1) WHERE "
                        + ownerColumn + " = ?2 AND " + idColumn + " = ANY(?3)")
                .setParameter(1, seconds(lease)).setParameter(2, owner).setParameter(3, ids.toArray(String[]::new))
                .executeUpdate();
    }

    /** Gives {@code owner}'s lease on row {@code id} back (nothing when another replica holds it now). */
    public void release(EntityManager em, String id, String owner) {
        em.createNativeQuery("UPDATE " + table + " SET " + ownerColumn + " = NULL, " + untilColumn + " = NULL WHERE "
                        + idColumn + " = ?1 AND " + ownerColumn + " = ?2")
                .setParameter(1, id).setParameter(2, owner).executeUpdate();
    }

    /**
     * Whether {@code owner} still holds the lease on row {@code id} (nobody took it over), read in the caller's transaction;
     * after the caller locked the row, the answer holds until that transaction ends.
     */
    public boolean holds(EntityManager em, String id, String owner) {
        List<?> rows = em.createNativeQuery("SELECT 1 FROM " + table + " WHERE " + idColumn + " = ?1 AND " + ownerColumn + " = ?2")
                .setParameter(1, id).setParameter(2, owner).getResultList();
        return !rows.isEmpty();
    }

    private static double seconds(Duration lease) {
        return lease.toMillis() / 1000.0;
    }

    /**
     * A replica's default name on the leases it takes: the host name ({@code HOSTNAME}, a pod's name on Kubernetes) and the
     * HTTP port, stable across a restart in place and distinct between replicas on one host.
     */
    public static String defaultReplicaId(String defaultPort) {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "localhost";
            }
        }
        return host + ":" + org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.port", String.class).orElse(defaultPort);
    }

    /**
     * The rows a replica works on right now and when their leases are renewed next: every third of the lease, from the
     * worker's dispatch round (which runs every poll interval, also while the pool is busy).
     */
    public static final class Held {

        private final Set<String> ids = ConcurrentHashMap.newKeySet();
        private final Duration lease;
        private volatile long nextRenewal;

        public Held(Duration lease) {
            this.lease = lease;
        }

        public Duration lease() {
            return lease;
        }

        public void add(String id) {
            ids.add(id);
        }

        public void remove(String id) {
            ids.remove(id);
        }

        /** Calls {@code renew} with the held rows when a renewal is due (also with none, which renews nothing). */
        public void renewIfDue(Consumer<List<String>> renew) {
            long now = System.currentTimeMillis();
            if (now >= nextRenewal) {
                nextRenewal = now + lease.toMillis() / 3;
                renew.accept(List.copyOf(ids));
            }
        }
    }
}

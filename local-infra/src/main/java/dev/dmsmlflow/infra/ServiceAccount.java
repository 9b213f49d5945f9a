package dev.dmsmlflow.infra;

import dev.dmsmlflow.contracts.TopicAccess;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The accounts each service of {@code ./dms up} gets: its PostgreSQL login role (owner of its own database, named like the
 * database, with the role attributes it needs) and its Kafka principal (named like the service, with the ACLs of
 * {@link TopicAccess}). Passwords are {@link LocalSecrets} named {@link #databaseSecret()} and {@link #kafkaSecret()}.
 */
public record ServiceAccount(String service, String database, Set<RoleOption> roleOptions, TopicAccess topics) {

    /** PostgreSQL role attributes a service may need; never SUPERUSER. */
    public enum RoleOption {
        /** Logical replication of its own database (its outbox relay's replication slot). */
        REPLICATION,
        /** Creates the per-instance tracking databases (instance-service). */
        CREATEDB,
        /** Creates the per-instance login roles (instance-service); it administers only the roles it created. */
        CREATEROLE
    }

    private static final List<ServiceAccount> ALL = List.of(
            of(TopicAccess.INSTANCE_SERVICE, EnumSet.of(RoleOption.REPLICATION, RoleOption.CREATEDB, RoleOption.CREATEROLE)),
            of(TopicAccess.NETWORK_SERVICE, EnumSet.of(RoleOption.REPLICATION)),
            of(TopicAccess.NOTEBOOK_SERVICE, EnumSet.of(RoleOption.REPLICATION)),
            of(TopicAccess.BILLING_SERVICE, EnumSet.of(RoleOption.REPLICATION)),
            of(TopicAccess.API_GATEWAY, EnumSet.of(RoleOption.REPLICATION)));

    public ServiceAccount {
        roleOptions = Set.copyOf(roleOptions);
    }

    private static ServiceAccount of(String service, Set<RoleOption> options) {
        TopicAccess topics = TopicAccess.of(service).orElseThrow();
        return new ServiceAccount(service, service.replace('-', '_'), options, topics);
    }

    /** Every service of {@code ./dms up}, in start order. */
    public static List<ServiceAccount> all() {
        return ALL;
    }

    /** The account of {@code service} ({@code instance-service}, ...). */
    public static Optional<ServiceAccount> of(String service) {
        return ALL.stream().filter(a -> a.service.equals(service)).findFirst();
    }

    /** The PostgreSQL login role: the database's name. */
    public String databaseRole() {
        return database;
    }

    /** The Kafka principal's user name: the service's name. */
    public String kafkaUser() {
        return service;
    }

    /** Name of the secret holding the role's password ({@code postgres-<role>}). */
    public String databaseSecret() {
        return "postgres-" + database;
    }

    /** Name of the secret holding the Kafka principal's password ({@code kafka-<service>}). */
    public String kafkaSecret() {
        return "kafka-" + service;
    }
}

package dev.dmsmlflow.contracts;

import dev.dmsmlflow.contracts.billing.BillingExportCompleted;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceFailed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.contracts.notebook.NotebookSessionStarted;
import dev.dmsmlflow.contracts.notebook.NotebookSessionStopped;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The list of every event type: wire name, record class, topic, schema; the single place to register a new event. */
public final class EventCatalogue {

    private static final Map<String, EventDescriptor> BY_TYPE;
    private static final Map<Class<?>, EventDescriptor> BY_CLASS;

    static {
        List<EventDescriptor> all = List.of(
                entry(InstanceRequested.TYPE, InstanceRequested.class, AggregateType.INSTANCE, "instanceId"),
                entry(InstanceUpdated.TYPE, InstanceUpdated.class, AggregateType.INSTANCE, "instanceId"),
                entry(InstanceStatusChanged.TYPE, InstanceStatusChanged.class, AggregateType.INSTANCE, "instanceId"),
                entry(NetworkProvisioned.TYPE, NetworkProvisioned.class, AggregateType.NETWORK, "instanceId"),
                entry(NetworkProvisionFailed.TYPE, NetworkProvisionFailed.class, AggregateType.NETWORK, "instanceId"),
                entry(InstanceDeployed.TYPE, InstanceDeployed.class, AggregateType.INSTANCE, "instanceId"),
                entry(BackendRegistered.TYPE, BackendRegistered.class, AggregateType.NETWORK, "instanceId"),
                entry(InstanceRunning.TYPE, InstanceRunning.class, AggregateType.INSTANCE, "instanceId"),
                entry(InstanceFailed.TYPE, InstanceFailed.class, AggregateType.INSTANCE, "instanceId"),
                entry(InstanceReleaseRequested.TYPE, InstanceReleaseRequested.class, AggregateType.INSTANCE, "instanceId"),
                entry(NetworkReleased.TYPE, NetworkReleased.class, AggregateType.NETWORK, "instanceId"),
                entry(LoadBalancerAddressChanged.TYPE, LoadBalancerAddressChanged.class, AggregateType.NETWORK, "instanceId"),
                entry(InstanceReleased.TYPE, InstanceReleased.class, AggregateType.INSTANCE, "instanceId"),
                entry(AlbAclUpdated.TYPE, AlbAclUpdated.class, AggregateType.NETWORK, "instanceId"),
                entry(NotebookSessionStarted.TYPE, NotebookSessionStarted.class, AggregateType.NOTEBOOK, "sessionId"),
                entry(NotebookSessionStopped.TYPE, NotebookSessionStopped.class, AggregateType.NOTEBOOK, "sessionId"),
                entry(UsageMetered.TYPE, UsageMetered.class, AggregateType.USAGE, "meterId"),
                entry(BillingExportCompleted.TYPE, BillingExportCompleted.class, AggregateType.BILLING, "exportId"));
        Map<String, EventDescriptor> byType = new LinkedHashMap<>();
        Map<Class<?>, EventDescriptor> byClass = new LinkedHashMap<>();
        for (EventDescriptor d : all) {
            if (byType.put(d.type(), d) != null || byClass.put(d.recordClass(), d) != null) {
                throw new IllegalStateException("event registered twice: " + d.type());
            }
        }
        BY_TYPE = Collections.unmodifiableMap(byType);
        BY_CLASS = Collections.unmodifiableMap(byClass);
    }

    private EventCatalogue() {
    }

    private static EventDescriptor entry(String type, Class<? extends Event> cls, AggregateType agg, String idProperty) {
        return new EventDescriptor(type, cls, agg, idProperty);
    }

    /** Every registered event type, in registration order. */
    public static Collection<EventDescriptor> all() {
        return BY_TYPE.values();
    }

    /** Every registered event type name. */
    public static List<String> typeNames() {
        return List.copyOf(BY_TYPE.keySet());
    }

    /** Event types published on one topic. */
    public static List<EventDescriptor> onTopic(String topic) {
        return BY_TYPE.values().stream().filter(d -> d.topic().equals(topic)).collect(Collectors.toList());
    }

    /** Descriptor for a wire type name, empty for types this contract version does not know. */
    public static Optional<EventDescriptor> find(String type) {
        return Optional.ofNullable(BY_TYPE.get(type));
    }

    /** Descriptor for a wire type name; fails for unknown types. */
    public static EventDescriptor forType(String type) {
        return find(type).orElseThrow(() -> new IllegalArgumentException("unknown event type: " + type));
    }

    /** Descriptor for a record class; fails for classes that are not registered events. */
    public static EventDescriptor forClass(Class<?> recordClass) {
        EventDescriptor d = BY_CLASS.get(recordClass);
        if (d == null) {
            throw new IllegalArgumentException("not a registered event class: " + recordClass.getName());
        }
        return d;
    }

    /** Descriptor of an event instance. */
    public static EventDescriptor of(Event event) {
        return forClass(event.getClass());
    }
}

package dev.dmsmlflow.notebook.messaging;

import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.notebook.application.SessionService;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceEntity;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceRepository;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.quarkus.InboxGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Set;

/**
 * Learns each workspace's MLflow instances from instance-service's events ({@link Topics#INSTANCE}): the VPC and artifact
 * root ({@code InstanceRequested}), the tracking URI ({@code InstanceRunning}), every status ({@code InstanceStatusChanged},
 * {@code InstanceReleased}). Sessions running in that workspace and VPC then get the tracking URI they should use. One
 * transaction per record with the inbox entry (dedupe by CloudEvent id); undecodable records and other event types are
 * logged, counted and skipped.
 */
@ApplicationScoped
public class InstanceEventsConsumer {

    /** The channel (mp.messaging.incoming.instance-events.*) and the consumer's name in the inbox. */
    public static final String CHANNEL = "instance-events";
    public static final String CONSUMER = "notebook-service.instance-events";
    private static final Logger LOG = Logger.getLogger(InstanceEventsConsumer.class);
    private static final Set<String> HANDLED = Set.of(InstanceRequested.TYPE, InstanceRunning.TYPE, InstanceStatusChanged.TYPE,
            InstanceReleased.TYPE);

    private final InboxGuard inbox;
    private final MlflowInstanceRepository instances;
    private final SessionService sessions;
    private final MeterRegistry metrics;
    private final EventCodec codec = new EventCodec();

    InstanceEventsConsumer(InboxGuard inbox, MlflowInstanceRepository instances, SessionService sessions, MeterRegistry metrics) {
        this.inbox = inbox;
        this.instances = instances;
        this.sessions = sessions;
        this.metrics = metrics;
    }

    @Incoming(CHANNEL)
    @Blocking
    @Transactional
    public void consume(ConsumerRecord<String, String> record) {
        CloudEventEnvelope e = CloudEventEnvelope.of(record);
        if (!e.isComplete()) {
            count("none", "rejected");
            LOG.warnf("record without CloudEvent id/type at %s-%d@%d skipped", record.topic(), record.partition(), record.offset());
            return;
        }
        if (!HANDLED.contains(e.type())) {
            count(e.type(), "ignored");
            return;
        }
        Object event;
        try {
            event = codec.decode(e.type(), e.payload());
        } catch (IllegalArgumentException ex) {
            count(e.type(), "rejected");
            LOG.errorf("event %s of type %s does not match its contract; skipped: %s", e.id(), e.type(), ex.getMessage());
            return;
        }
        if (!inbox.firstDelivery(CONSUMER, e.id())) {
            count(e.type(), "duplicate");
            return;
        }
        handle(event);
        count(e.type(), "handled");
    }

    /** Applies one instance event to the projection and rewires the sessions it concerns. */
    void handle(Object event) {
        Instant now = Instant.now();
        MlflowInstanceEntity i;
        if (event instanceof InstanceRequested r) {
            i = find(r.instanceId(), r.workspaceId());
            i.vpcId = r.vpcId();
            i.ossBucket = r.ossBucket();
            i.ossPath = r.ossPath();
            if ("UNKNOWN".equals(i.status)) {
                i.status = "CREATING";
            }
        } else if (event instanceof InstanceRunning r) {
            i = find(r.instanceId(), r.workspaceId());
            i.trackingUri = r.trackingUri();
            i.status = "RUNNING";
            i.runningAt = r.runningAt();
        } else if (event instanceof InstanceStatusChanged c) {
            i = find(c.instanceId(), c.workspaceId());
            i.status = c.status().name();
            if (c.status() == dev.dmsmlflow.contracts.instance.InstanceStatus.RUNNING && i.runningAt == null) {
                i.runningAt = c.changedAt();
            }
        } else if (event instanceof InstanceReleased r) {
            i = find(r.instanceId(), r.workspaceId());
            i.status = "RELEASED";
            i.trackingUri = null;
        } else {
            return;
        }
        i.updatedAt = now;
        if (i.vpcId != null) {
            instances.flush();
            sessions.rewire(i.workspaceId, i.vpcId);
        }
    }

    private MlflowInstanceEntity find(String instanceId, String workspaceId) {
        MlflowInstanceEntity i = instances.findById(instanceId);
        if (i == null) {
            i = new MlflowInstanceEntity();
            i.instanceId = instanceId;
            i.workspaceId = workspaceId;
            i.status = "UNKNOWN";
            i.updatedAt = Instant.now();
            instances.persist(i);
        }
        return i;
    }

    private void count(String type, String outcome) {
        metrics.counter("dms.notebook.instance.events", "type", type, "outcome", outcome).increment();
    }
}

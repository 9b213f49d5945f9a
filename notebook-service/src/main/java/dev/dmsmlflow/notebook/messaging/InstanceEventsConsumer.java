package dev.dmsmlflow.notebook.messaging;

import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatus;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.notebook.application.SessionService;
import dev.dmsmlflow.notebook.application.SessionWorker;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceEntity;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceRepository;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.Outcome;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import dev.dmsmlflow.platform.quarkus.EventConsumers;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * Learns each workspace's MLflow instances from instance-service's events ({@link Topics#INSTANCE}, channel
 * {@value #CHANNEL}): the VPC and artifact root ({@code InstanceRequested}), the tracking URI ({@code InstanceRunning}), every
 * status ({@code InstanceStatusChanged}, {@code InstanceReleased}). Sessions with a runtime in that workspace and VPC are
 * marked for rewiring in the same transaction; the session worker is woken after the commit. The platform's consumer shape
 * ({@link EventConsumer}): inbox and projection in one transaction, retries in place, poison records to
 * {@code dms.dlq.notebook-service}; other instance events are ignored and counted.
 */
@ApplicationScoped
public class InstanceEventsConsumer {

    /** The incoming channel (its topic: {@code mp.messaging.incoming.instance-events.topic}). */
    public static final String CHANNEL = "instance-events";
    /** Inbox consumer name (kept: it is what makes a redelivery of an already handled event a duplicate). */
    public static final String CONSUMER = "notebook-service.instance-events";

    private final MlflowInstanceRepository instances;
    private final SessionService sessions;
    private final EventConsumer consumer;

    public InstanceEventsConsumer(EventConsumers consumers, MlflowInstanceRepository instances, SessionService sessions,
                                  SessionWorker worker) {
        this.instances = instances;
        this.sessions = sessions;
        this.consumer = consumers.named(CONSUMER)
                .on(InstanceRequested.class, this::onRequested)
                .on(InstanceRunning.class, this::onRunning)
                .on(InstanceStatusChanged.class, this::onStatusChanged)
                .on(InstanceReleased.class, this::onReleased)
                .afterHandled(worker::wake)
                .build();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> record) {
        return consumer.consume(record);
    }

    /** Handles one record once (tests feed contract examples through it); throws a DeadLetterException for poison. */
    public Outcome handle(CloudEventEnvelope envelope) throws Exception {
        return consumer.handle(envelope);
    }

    void onRequested(InstanceRequested r) {
        MlflowInstanceEntity i = find(r.instanceId(), r.workspaceId());
        i.vpcId = r.vpcId();
        i.ossBucket = r.ossBucket();
        i.ossPath = r.ossPath();
        if ("UNKNOWN".equals(i.status)) {
            i.status = "CREATING";
        }
        changed(i);
    }

    void onRunning(InstanceRunning r) {
        MlflowInstanceEntity i = find(r.instanceId(), r.workspaceId());
        i.trackingUri = r.trackingUri();
        i.status = "RUNNING";
        i.runningAt = r.runningAt();
        changed(i);
    }

    void onStatusChanged(InstanceStatusChanged c) {
        MlflowInstanceEntity i = find(c.instanceId(), c.workspaceId());
        i.status = c.status().name();
        if (c.status() == InstanceStatus.RUNNING && i.runningAt == null) {
            i.runningAt = c.changedAt();
        }
        changed(i);
    }

    void onReleased(InstanceReleased r) {
        MlflowInstanceEntity i = find(r.instanceId(), r.workspaceId());
        i.status = "RELEASED";
        i.trackingUri = null;
        changed(i);
    }

    /** Rewires the sessions of the instance's workspace and VPC (once the VPC is known). */
    private void changed(MlflowInstanceEntity i) {
        i.updatedAt = Instant.now();
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
}

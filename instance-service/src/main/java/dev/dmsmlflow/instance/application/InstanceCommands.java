package dev.dmsmlflow.instance.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.instance.domain.CreateInstance;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.Spec;
import dev.dmsmlflow.instance.provider.network.NetworkValidation;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The instance API's use cases that talk to another service before they change anything: a create (idempotency key,
 * network-service's checks of the network and of the authentication mode, then one transaction in {@link InstanceService})
 * and an edit that switches the authentication mode. The remote checks run here, outside any transaction; the resource
 * only maps HTTP to these calls.
 */
@ApplicationScoped
public class InstanceCommands {

    /** The outcome of a create: the instance, and whether an earlier request with the same idempotency key made it. */
    public record Outcome(Instance instance, boolean replayed) {
    }

    private final InstanceService service;
    private final NetworkValidation network;
    private final SagaWorker worker;
    private final ObjectMapper mapper;

    InstanceCommands(InstanceService service, NetworkValidation network, SagaWorker worker, ObjectMapper mapper) {
        this.service = service;
        this.network = network;
        this.worker = worker;
        this.mapper = mapper;
    }

    /**
     * Creates the instance, or answers the one an earlier request with the same {@code idempotencyKey} and the same
     * parameters made (another request under that key is a 409 from {@link InstanceService}); a race between two such
     * requests ends with both answering the one instance.
     */
    public Outcome create(CreateInstance cmd, String idempotencyKey, String bearerToken) {
        String key = null;
        String hash = null;
        if (idempotencyKey != null) {
            if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
                throw ProblemException.invalidField("Idempotency-Key", "Idempotency-Key must be 1-255 characters.");
            }
            key = idempotencyKey;
            hash = hash(cmd);
            var existing = service.findByIdempotencyKey(cmd.workspaceId(), key, hash);
            if (existing.isPresent()) {
                return new Outcome(existing.get(), true);
            }
        }
        network.requireAuthMode(cmd.authMode(), bearerToken);
        network.validate(new NetworkValidation.NetworkRequest(cmd.vpcId(), cmd.vSwitchId(), cmd.secondaryVSwitchId(),
                cmd.securityGroupId()), bearerToken);
        Outcome outcome;
        try {
            InstanceService.Created c = service.create(cmd, key, hash);
            outcome = new Outcome(c.instance(), !c.created());
        } catch (InstanceService.IdempotencyRaceException e) {
            String k = key;
            String h = hash;
            outcome = new Outcome(service.findByIdempotencyKey(cmd.workspaceId(), k, h).orElseThrow(() -> e), true);
        }
        // no wake-up: the new instance waits for network-service (AWAIT_NETWORK, nothing local to do), and the consumer wakes
        // the worker when NetworkProvisioned has made the DEPLOY step
        return outcome;
    }

    /**
     * Edits name, description, authentication mode and spec (null: unchanged; {@code descriptionGiven} with a null
     * description clears it). A mode other than {@code network} must be one the load balancers enforce (asked of
     * network-service first; another workspace's instance stays a 404 rather than a capability answer). A resize leaves a
     * saga step, so the worker is woken.
     */
    public Instance update(String workspaceId, String id, String name, String description, boolean descriptionGiven,
                           String authMode, Spec spec, String bearerToken) {
        if (authMode != null && !"network".equals(authMode)) {
            service.get(workspaceId, id);
            network.requireAuthMode(authMode, bearerToken);
        }
        Instance updated = service.update(workspaceId, id, name, description, descriptionGiven, authMode, spec);
        worker.wake();
        return updated;
    }

    /** The request's parameters in a canonical form: the same key with other parameters is a conflict, not a replay. */
    private String hash(CreateInstance cmd) {
        try {
            String canonical = mapper.writeValueAsString(new Object[] {cmd.workspaceId(), cmd.name(), cmd.description(), cmd.vpcId(),
                    cmd.vSwitchId(), cmd.secondaryVSwitchId(), cmd.securityGroupId(), cmd.ossBucket(), cmd.ossPath(), cmd.spec().name(),
                    cmd.authMode()});
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

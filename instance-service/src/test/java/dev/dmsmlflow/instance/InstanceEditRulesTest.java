package dev.dmsmlflow.instance;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which statuses take a spec change and which a release, through the API: each instance is put in its status as the saga
 * would have left it (no tracking server needed), then asked. The resize and the cancelled create themselves, with real
 * tracking servers: {@code ResizeAndCancelIT}.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class InstanceEditRulesTest {

    static final Duration EVENT = Duration.ofSeconds(60);
    static Bus bus;

    @Inject
    InstanceRepository repository;
    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    @Test
    void theSpecChangesOnlyWhileRunningOrStoppedAndAnyOtherStatusIsA409NamingIt() throws Exception {
        String ws = InstanceApiTest.workspace();
        Map<InstanceStatus, String> ids = new EnumMap<>(InstanceStatus.class);
        for (InstanceStatus s : InstanceStatus.values()) {
            ids.put(s, instanceIn(ws, s));
        }
        for (InstanceStatus s : InstanceStatus.values()) {
            String id = ids.get(s);
            String before = stored(id);
            var answer = InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.medium"))
                    .patch("/instances/" + id).then();
            switch (s) {
                case RUNNING -> answer.statusCode(200).body("status", equalTo("UPDATING"))
                        .body("spec", equalTo("mlflow.small")).body("pendingSpec", equalTo("mlflow.medium"));
                case STOPPED -> answer.statusCode(200).body("status", equalTo("STOPPED"))
                        .body("spec", equalTo("mlflow.medium")).body("$", not(hasKey("pendingSpec")));
                default -> {
                    answer.statusCode(409).contentType("application/problem+json").body("field", equalTo("spec"))
                            .body("detail", containsString("is " + s.name()));
                    assertEquals(before, stored(id), s + ": a refused spec change changed the instance");
                }
            }
        }
        // a stopped instance's new spec is in effect at once (its next start uses it) and announced
        String stopped = ids.get(InstanceStatus.STOPPED);
        Bus.Received updated = bus.await("InstanceUpdated", Bus.forInstance(stopped), EVENT);
        assertEquals("mlflow.medium", updated.payload().path("spec").asText());
        // the resize of the running one could not start a server of the new spec (its version is not installed): it falls
        // back to RUNNING on its old spec, with the reason
        String running = ids.get(InstanceStatus.RUNNING);
        Eventually.until(() -> "RUNNING".equals(InstanceSagaIT.status(ws, running)), EVENT, "the resize to fall back");
        InstanceApiTest.as(ws).get("/instances/" + running).then().body("spec", equalTo("mlflow.small"))
                .body("$", not(hasKey("pendingSpec"))).body("statusReason.code", equalTo("RESIZE_FAILED"))
                .body("statusReason.message", containsString("not-installed"));
        // the reason belongs to that resize: the next change of the instance does not carry it
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + running + "/stop").then().statusCode(202)
                .body("status", equalTo("STOPPING")).body("$", not(hasKey("statusReason")));
        // refused changes announced nothing
        for (InstanceStatus s : InstanceStatus.values()) {
            if (s != InstanceStatus.RUNNING && s != InstanceStatus.STOPPED) {
                assertEquals(0, outboxEvents(ids.get(s), "InstanceUpdated"), s + " announced an update");
            }
        }
        releaseEverything(ws, ids);
    }

    @Test
    void aResizeUnderWayTakesItsOwnSpecAgainButNoOtherAndTheSpecInEffectChangesNothing() throws Exception {
        String ws = InstanceApiTest.workspace();
        String updating = instanceIn(ws, InstanceStatus.UPDATING); // rolling out mlflow.large
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.large")).patch("/instances/" + updating)
                .then().statusCode(200).body("status", equalTo("UPDATING")).body("pendingSpec", equalTo("mlflow.large"));
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.medium")).patch("/instances/" + updating)
                .then().statusCode(409).body("field", equalTo("spec")).body("detail", containsString("UPDATING"))
                .body("detail", containsString("mlflow.large"));
        // the spec in effect, asked again: nothing to do, whatever the status
        String creating = instanceIn(ws, InstanceStatus.CREATING);
        String before = stored(creating);
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.small", "name", "same-spec"))
                .patch("/instances/" + creating).then().statusCode(200).body("status", equalTo("CREATING"))
                .body("spec", equalTo("mlflow.small")).body("name", equalTo("same-spec"));
        assertTrue(!before.equals(stored(creating)), "the name did change");
        releaseEverything(ws, Map.of(InstanceStatus.UPDATING, updating, InstanceStatus.CREATING, creating));
    }

    @Test
    void badSpecsAre400NamingSpecAndTheArtifactRootCannotMoveWithTheReason() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = instanceIn(ws, InstanceStatus.STOPPED);
        String before = stored(id);
        for (Object bad : new Object[] {"mlflow.huge", "", 4, Map.of("name", "mlflow.large")}) {
            InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("spec", bad)).patch("/instances/" + id).then()
                    .statusCode(400).contentType("application/problem+json").body("field", equalTo("spec"))
                    .body("detail", containsString("mlflow.small, mlflow.medium, mlflow.large"));
        }
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body("{\"spec\":null}").patch("/instances/" + id).then()
                .statusCode(400).body("field", equalTo("spec"));
        for (String field : new String[] {"ossPath", "ossBucket"}) {
            InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of(field, "elsewhere", "spec", "mlflow.large"))
                    .patch("/instances/" + id).then().statusCode(400).body("field", equalTo(field))
                    .body("detail", containsString("cannot be changed")).body("detail", containsString("artifact root"));
        }
        assertEquals(before, stored(id), "refused edits changed nothing");
        releaseEverything(ws, Map.of(InstanceStatus.STOPPED, id));
    }

    @Test
    void releaseIsAcceptedInEveryStatusButTheTerminalOneCreatingIncluded() throws Exception {
        String ws = InstanceApiTest.workspace();
        Map<InstanceStatus, String> ids = new EnumMap<>(InstanceStatus.class);
        for (InstanceStatus s : InstanceStatus.values()) {
            ids.put(s, instanceIn(ws, s));
        }
        for (InstanceStatus s : InstanceStatus.values()) {
            String id = ids.get(s);
            var answer = InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(202);
            if (s == InstanceStatus.RELEASED) {
                answer.body("status", equalTo("RELEASED")); // nothing left to release: said so, nothing published
                assertEquals(0, outboxEvents(id, "InstanceReleaseRequested"));
            } else {
                answer.body("status", equalTo("RELEASING")).body("$", not(hasKey("pendingSpec")));
                if (s != InstanceStatus.RELEASING) {
                    bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
                }
            }
        }
        // each goes on to RELEASED once network-service reports its network gone
        for (InstanceStatus s : InstanceStatus.values()) {
            if (s != InstanceStatus.RELEASED) {
                bus.publish(new dev.dmsmlflow.contracts.network.NetworkReleased(ids.get(s), ws, null, Instant.now()));
            }
        }
        for (InstanceStatus s : InstanceStatus.values()) {
            String id = ids.get(s);
            Eventually.until(() -> "RELEASED".equals(InstanceSagaIT.status(ws, id)), EVENT, s + " to end RELEASED");
        }
    }

    @Test
    void anotherWorkspaceNeitherResizesNorReleasesAndAViewerCannot() throws Exception {
        String ws = InstanceApiTest.workspace();
        String creating = instanceIn(ws, InstanceStatus.CREATING);
        String stopped = instanceIn(ws, InstanceStatus.STOPPED);
        String stranger = InstanceApiTest.workspace();
        for (String id : new String[] {creating, stopped}) {
            String before = stored(id);
            ServiceTokens.ownerOf(stranger).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.large")).patch("/instances/" + id)
                    .then().statusCode(404).contentType("application/problem+json");
            ServiceTokens.ownerOf(stranger).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(404);
            ServiceTokens.viewerOf(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.large")).patch("/instances/" + id)
                    .then().statusCode(403);
            ServiceTokens.viewerOf(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(403);
            assertEquals(before, stored(id), "a refused call changed the instance");
            assertEquals(0, outboxEvents(id, "InstanceReleaseRequested"));
            assertEquals(0, outboxEvents(id, "InstanceUpdated"));
        }
        releaseEverything(ws, Map.of(InstanceStatus.CREATING, creating, InstanceStatus.STOPPED, stopped));
    }

    // ---------------------------------------------------------------- helpers

    /**
     * An instance of {@code ws} in {@code status}, as the saga leaves one there, with spec mlflow.small. No step the saga
     * worker would execute (no tracking server is started for it): CREATING waits for the network, UPDATING for the load
     * balancer to switch to a new server (rolling out mlflow.large), RELEASING for the network's release.
     */
    private String instanceIn(String ws, InstanceStatus status) {
        Instance i = new Instance();
        i.id = UUID.randomUUID().toString();
        i.workspaceId = ws;
        i.name = "rules-" + status.name().toLowerCase().replace('_', '-');
        i.vpcId = "vpc-local";
        i.vSwitchId = "vsw-a";
        i.secondaryVSwitchId = "vsw-b";
        i.securityGroupId = "sg-basic";
        i.ossBucket = InstanceApiTest.bucketOf(ws);
        i.ossPath = "rules/" + i.id;
        i.spec = "mlflow.small";
        i.status = status;
        i.trackingDatabase = "mlflow_" + i.id.replace("-", "");
        i.createdAt = Instant.now();
        i.updatedAt = i.createdAt;
        // a tracking-server version this service does not have: should anything try to start a server for the instance (the
        // watcher, a resize), it fails at once instead of starting a process on a database that does not exist
        i.trackingVersion = "not-installed";
        if (status != InstanceStatus.CREATING && status != InstanceStatus.CREATE_FAILED && status != InstanceStatus.RELEASED) {
            i.vpcAddress = "127.0.0.1";
            i.vpcPort = 18080;
            i.backendHost = "127.0.0.1";
            i.backendPort = 9; // discard: nothing of this test listens
        }
        switch (status) {
            case CREATING -> i.sagaStep = SagaStep.AWAIT_NETWORK;
            case UPDATING -> {
                i.sagaStep = SagaStep.AWAIT_SUCCESSOR;
                i.pendingSpec = "mlflow.large";
                i.successorPort = 7;
                i.meteredFrom = i.createdAt;
            }
            case RUNNING -> i.meteredFrom = i.createdAt;
            case RELEASING -> {
                i.sagaStep = SagaStep.AWAIT_NETWORK_RELEASE;
                i.computeReleased = true;
            }
            default -> {
            }
        }
        QuarkusTransaction.requiringNew().run(() -> repository.insert(i));
        return i.id;
    }

    /** What is stored of an instance (every column but none of the saga's bookkeeping changes when nothing happened). */
    private String stored(String id) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT to_jsonb(i)::text FROM instance i WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "no instance " + id);
                return rs.getString(1);
            }
        }
    }

    private long outboxEvents(String id, String type) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox_event WHERE aggregateid = ? AND type = ?")) {
            ps.setString(1, id);
            ps.setString(2, type);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Releases what a test left (RUNNING ones would otherwise be watched and given tracking servers). */
    private void releaseEverything(String ws, Map<InstanceStatus, String> ids) {
        for (String id : ids.values()) {
            InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(202);
            bus.publish(new dev.dmsmlflow.contracts.network.NetworkReleased(id, ws, null, Instant.now()));
        }
    }
}

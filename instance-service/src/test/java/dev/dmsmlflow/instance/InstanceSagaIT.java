package dev.dmsmlflow.instance;

import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.instance.provider.compute.local.LocalCompute;
import dev.dmsmlflow.instance.provider.database.TrackingDatabases;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.application.SagaWorker;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Properties;
import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.instance.support.Probes;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The instance half of the provisioning saga on real PostgreSQL, Kafka and tracking-server processes; the test
 * plays network-service by publishing its events on the broker.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class InstanceSagaIT {

    static final Duration EVENT = Duration.ofSeconds(60);
    static final Duration DEPLOY = Duration.ofSeconds(180);
    static Bus bus;

    @Inject
    Compute compute;
    @Inject
    LocalCompute localCompute;
    @Inject
    SagaWorker worker;
    @Inject
    TrackingDatabases databases;
    @Inject
    InstanceRepository repository;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    /** Creates the instance of {@code body} as an editor of the workspace the body names. */
    static String create(Map<String, Object> body) {
        return InstanceApiTest.as((String) body.get("workspaceId")).contentType(ContentType.JSON).body(body).post("/instances")
                .then().statusCode(201).extract().path("id");
    }

    static String status(String ws, String id) {
        return InstanceApiTest.as(ws).get("/instances/" + id).then().statusCode(200).extract().path("status");
    }

    static void awaitStatus(String ws, String id, String status, Duration timeout) {
        Eventually.until(() -> status.equals(status(ws, id)), timeout, id + " to be " + status);
    }

    static NetworkProvisioned networkProvisioned(String id, String ws) {
        return new NetworkProvisioned(id, ws, "127.0.0.1", 18080, "alb-" + id.substring(0, 8), "lsn-1", "acl-1", "sgp-1",
                List.of("zone-a", "zone-b"), Instant.now());
    }

    /** The secret a load balancer would add; its digest travels in NetworkProvisioned. */
    static final String BACKEND_SECRET = "a-load-balancers-backend-secret-for-the-saga-test";

    static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A call to the tracking server as its load balancer makes it. */
    static io.restassured.specification.RequestSpecification viaLoadBalancer() {
        return given().header("X-Dms-Backend-Auth", BACKEND_SECRET);
    }

    @Test
    void createRedeployStopStartAndReleaseDriveTheTrackingServerAndItsDatabase() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = create(InstanceApiTest.validBody(ws));
        bus.await("InstanceRequested", Bus.forInstance(id), EVENT);

        // network-service answers; the same event delivered twice, and a second copy under a new id, change nothing
        NetworkProvisioned base = networkProvisioned(id, ws);
        NetworkProvisioned provisioned = new NetworkProvisioned(id, ws, base.vpcAddress(), base.vpcPort(), base.loadBalancerId(),
                base.listenerId(), base.aclId(), base.serverGroupId(), base.zoneIds(), base.provisionedAt(), sha256(BACKEND_SECRET));
        String eventId = bus.publish(provisioned);
        bus.publish(provisioned, eventId);
        bus.publish(provisioned);

        Bus.Received deployed = bus.await("InstanceDeployed", Bus.forInstance(id), DEPLOY);
        String host = deployed.payload().path("backend").path("host").asText();
        int port = deployed.payload().path("backend").path("port").asInt();
        String database = deployed.payload().path("trackingDatabase").asText();
        assertTrue(Probes.databaseExists(database), "the instance has its own tracking database");
        given().get("http://" + host + ":" + port + "/health").then().statusCode(200);
        assertTrue(compute.isRunning(id));
        // only the load balancer reaches it: a direct call without (or with another) secret is refused
        given().get("http://" + host + ":" + port + "/api/2.0/mlflow/experiments/search?max_results=1").then().statusCode(403)
                .body("error_code", equalTo("PERMISSION_DENIED"));
        given().header("X-Dms-Backend-Auth", "guess").get("http://" + host + ":" + port + "/api/2.0/mlflow/experiments/search?max_results=1")
                .then().statusCode(403);
        assertEquals(sha256(BACKEND_SECRET), Probes.environment(pid(id)).get("DMS_BACKEND_AUTH_DIGEST"),
                "the server is told the digest, never the secret");
        assertTrue(Probes.environment(pid(id)).values().stream().noneMatch(v -> v.contains(BACKEND_SECRET)));
        assertEquals("127.0.0.1", host, "the tracking server listens on loopback");

        bus.publish(new BackendRegistered(id, ws, provisioned.loadBalancerId(), "sgp-1", new Backend(host, port), Instant.now()));
        awaitStatus(ws, id, "RUNNING", EVENT);
        Bus.Received running = bus.await("InstanceRunning", Bus.forInstance(id), EVENT);
        assertEquals("http://127.0.0.1:18080", running.payload().path("trackingUri").asText());
        InstanceApiTest.as(ws).get("/instances/" + id).then().body("vpcAddress", equalTo("http://127.0.0.1:18080"))
                .body("vpcHost", equalTo("127.0.0.1")).body("trackingUri", equalTo("http://127.0.0.1:18080"))
                .body("setTrackingUri", equalTo("mlflow.set_tracking_uri(\"http://127.0.0.1:18080\")"));
        assertEquals(1, bus.all("InstanceDeployed", Bus.forInstance(id)).size(), "replayed NetworkProvisioned deployed twice");

        // data written before a redeploy is there after it
        String tracking = "http://" + host + ":" + port + "/api/2.0/mlflow";
        String experimentName = "exp-" + UUID.randomUUID();
        String experimentId = viaLoadBalancer().contentType(ContentType.JSON).body(Map.of("name", experimentName))
                .post(tracking + "/experiments/create").then().statusCode(200).extract().path("experiment_id");

        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("version", "next")).post("/instances/" + id + "/redeploy").then()
                .statusCode(202).body("status", equalTo("REDEPLOYING")).body("trackingVersion", equalTo("next"));
        Eventually.until(() -> bus.all("InstanceDeployed", Bus.forInstance(id)).size() == 2, DEPLOY, "the redeployed server");
        awaitStatus(ws, id, "RUNNING", EVENT);
        viaLoadBalancer().queryParam("experiment_id", experimentId).get(tracking + "/experiments/get").then()
                .statusCode(200).body("experiment.name", equalTo(experimentName));
        given().queryParam("experiment_id", experimentId).get(tracking + "/experiments/get").then().statusCode(403);

        // stop ends the usage window and the process; start brings the same data back
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/stop").then().statusCode(202);
        awaitStatus(ws, id, "STOPPED", EVENT);
        assertFalse(compute.isRunning(id));
        Eventually.until(() -> !Probes.listening(host, port), EVENT, "the stopped server to close its port");
        Bus.Received usage = bus.await("UsageMetered", Bus.forInstance(id), EVENT);
        assertEquals("instance-hours", usage.payload().path("unit").asText());
        assertEquals("mlflow.small", usage.payload().path("spec").asText());
        assertEquals(usage.payload().path("meterId").asText(), usage.id(), "the event id is the deterministic meter id");
        // the reading billing receives is the one the instance's usage shows
        InstanceApiTest.as(ws).get("/instances/" + id + "/usage").then().statusCode(200)
                .body("items.meterId", org.hamcrest.Matchers.hasItem(usage.payload().path("meterId").asText()))
                .body("items[0].unit", equalTo("instance-hours"));

        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/start").then().statusCode(202);
        awaitStatus(ws, id, "RUNNING", DEPLOY);
        given().queryParam("experiment_id", experimentId).get(tracking + "/experiments/get").then().statusCode(403);
        viaLoadBalancer().queryParam("experiment_id", experimentId).get(tracking + "/experiments/get").then()
                .statusCode(200).body("experiment.name", equalTo(experimentName));

        // release: compute and database go, then the network; RELEASED only after NetworkReleased
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then()
                .statusCode(202).body("status", equalTo("RELEASING"));
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
        Eventually.until(() -> !Probes.databaseExists(database), EVENT, "the tracking database to be dropped");
        Eventually.until(() -> !compute.isRunning(id) && !Probes.listening(host, port), EVENT, "the tracking server to stop");
        assertEquals("RELEASING", status(ws, id));
        bus.publish(new NetworkReleased(id, ws, provisioned.loadBalancerId(), Instant.now()));
        awaitStatus(ws, id, "RELEASED", EVENT);
        bus.await("InstanceReleased", Bus.forInstance(id), EVENT);
        // a released instance shows no address: its load balancer and port are gone
        InstanceApiTest.as(ws).get("/instances/" + id).then().statusCode(200).body("status", equalTo("RELEASED"))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("vpcAddress")))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("trackingUri")))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("vpcHost")))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("setTrackingUri")));
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/start").then().statusCode(409);

        // every transition was announced, in order, each from the status before it
        List<String> expected = List.of("CREATING", "RUNNING", "REDEPLOYING", "RUNNING", "STOPPING", "STOPPED",
                "STARTING", "RUNNING", "RELEASING", "RELEASED");
        Eventually.until(() -> bus.all("InstanceStatusChanged", Bus.forInstance(id)).size() >= expected.size(), EVENT,
                "the status changes");
        List<Bus.Received> changes = bus.all("InstanceStatusChanged", Bus.forInstance(id));
        assertEquals(expected, changes.stream().map(c -> c.payload().path("status").asText()).toList());
        for (int k = 1; k < changes.size(); k++) {
            assertEquals(expected.get(k - 1), changes.get(k).payload().path("previousStatus").asText());
        }
        assertTrue(changes.get(0).payload().path("previousStatus").isMissingNode(), "a new instance has no previous status");
    }

    @Test
    void networkProvisionFailureEndsInCreateFailedWithTheReason() {
        String ws = InstanceApiTest.workspace();
        String id = create(InstanceApiTest.validBody(ws));
        bus.await("InstanceRequested", Bus.forInstance(id), EVENT);
        bus.publish(new NetworkProvisionFailed(id, ws, NetworkFailureCode.VSWITCH_NO_FREE_IP, "vsw-a has no free address", Instant.now()));
        awaitStatus(ws, id, "CREATE_FAILED", EVENT);
        InstanceApiTest.as(ws).get("/instances/" + id).then()
                .body("statusReason.code", equalTo("NETWORK_PROVISION_FAILED"))
                .body("statusReason.message", equalTo("VSWITCH_NO_FREE_IP: vsw-a has no free address"));
        Bus.Received failed = bus.await("InstanceFailed", Bus.forInstance(id), EVENT);
        assertEquals("NETWORK_PROVISION_FAILED", failed.payload().path("code").asText());
        assertFalse(Probes.databaseExists("mlflow_" + id.replace("-", "")));
        // a failed instance can be released; the network already reported itself gone
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(202);
        awaitStatus(ws, id, "RELEASED", EVENT);
    }

    @Test
    void aSagaStepPersistedBeforeACrashIsResumed() {
        // as left by an instance-service that handled NetworkProvisioned and died before deploying
        Instance i = new Instance();
        i.id = UUID.randomUUID().toString();
        i.workspaceId = InstanceApiTest.workspace();
        i.name = "resumed";
        i.vpcId = "vpc-local";
        i.vSwitchId = "vsw-a";
        i.secondaryVSwitchId = "vsw-b";
        i.securityGroupId = "sg-basic";
        i.ossBucket = "ml-artifacts";
        i.ossPath = "resumed";
        i.spec = "mlflow.small";
        i.status = InstanceStatus.CREATING;
        i.sagaStep = SagaStep.DEPLOY;
        i.trackingDatabase = TrackingDatabases.databaseName(i.id);
        i.vpcAddress = "127.0.0.1";
        i.vpcPort = 18081;
        i.loadBalancerId = "alb-resumed";
        i.createdAt = Instant.now();
        i.updatedAt = i.createdAt;
        QuarkusTransaction.requiringNew().run(() -> repository.insert(i));
        worker.wake();

        Bus.Received deployed = bus.await("InstanceDeployed", Bus.forInstance(i.id), DEPLOY);
        Backend backend = new Backend(deployed.payload().path("backend").path("host").asText(),
                deployed.payload().path("backend").path("port").asInt());
        bus.publish(new BackendRegistered(i.id, i.workspaceId, "alb-resumed", null, backend, Instant.now()));
        awaitStatus(i.workspaceId, i.id, "RUNNING", EVENT);
        releaseCompletely(i.id, i.workspaceId);
    }

    @Test
    void reconcileRestartsDeadServersOfRunningInstancesAndStopsOrphans() throws Exception {
        Running r = running();
        String ws = r.ws();
        String id = r.id();
        String host = r.host();
        int port = r.port();

        // the tracking server dies; an orphan server of an instance this service does not know runs
        ProcessHandle.of(pid(id)).orElseThrow().destroyForcibly();
        Eventually.until(() -> !Probes.listening(host, port), EVENT, "the killed server to close its port");
        String orphan = UUID.randomUUID().toString();
        String orphanDb = TrackingDatabases.databaseName(orphan);
        databases.create(orphanDb);
        int orphanPort = compute.start(new ComputeRequest(orphan, "mlflow.small", 1, 2, databases.jdbcUrl(orphanDb),
                databases.user(orphanDb), databases.password(orphanDb), "orphans", "x", null, null)).port();
        assertTrue(compute.isRunning(orphan));

        worker.reconcile();

        assertTrue(compute.isRunning(id));
        given().get("http://" + host + ":" + port + "/health").then().statusCode(200);
        assertFalse(compute.isRunning(orphan));
        assertFalse(Probes.listening("127.0.0.1", orphanPort));
        databases.drop(orphanDb);

        // while the service runs, a watcher restarts a RUNNING instance's server that died
        long killed = pid(id);
        ProcessHandle.of(killed).orElseThrow().destroyForcibly();
        Eventually.until(() -> compute.isRunning(id) && Probes.healthy(host, port), DEPLOY, "the watcher to restart the server");
        assertTrue(pid(id) != killed, "a new process serves the same port");
        releaseCompletely(id, ws);
    }

    /**
     * Issue 10: a tracking server that hangs (SIGSTOP: the port still accepts connections, nothing answers) fails its
     * liveness probes and is killed and replaced after {@code dms.saga.liveness-failures} of them, on the same port.
     */
    @Test
    void aHungTrackingServerIsReplacedAfterFailingItsLivenessProbes() throws Exception {
        Running r = running();
        String ws = r.ws();
        String id = r.id();
        String host = r.host();
        int port = r.port();
        assertTrue(compute.isLive(id));

        long hung = pid(id);
        signal("STOP", hung);
        try {
            assertTrue(compute.isRunning(id), "a stopped process is still there");
            assertFalse(compute.isLive(id), "but it fails the liveness probe");
            Eventually.until(() -> !ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false), DEPLOY,
                    "the watcher to kill the hung server");
            Eventually.until(() -> compute.isLive(id) && Probes.healthy(host, port), DEPLOY, "a new server on the same port");
            assertTrue(pid(id) != hung, "a new process serves the port");
            assertEquals("RUNNING", status(ws, id), "the instance stayed RUNNING: its server was replaced, not its status");
        } finally {
            ProcessHandle.of(hung).ifPresent(ProcessHandle::destroyForcibly);
        }
        releaseCompletely(id, ws);
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    /**
     * Issue 8: a tracking database's password is random, kept only sealed, given to its tracking server alone; a role
     * made when passwords were an HMAC of a public default secret gets a random one at the next reconcile (service start),
     * its server restarted with it, and the derived password stops working.
     */
    @Test
    void trackingDatabasePasswordsAreRandomAndSealedAndDerivedOnesAreReplacedAtStartup() throws Exception {
        Running r = running();
        String ws = r.ws();
        String id = r.id();
        String host = r.host();
        int port = r.port();
        String db = r.deployed().payload().path("trackingDatabase").asText();
        String tracking = "http://" + host + ":" + port + "/api/2.0/mlflow";
        String experimentName = "exp-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body(Map.of("name", experimentName)).post(tracking + "/experiments/create").then().statusCode(200);

        String password = Probes.environment(pid(id)).get("DMS_TRACKING_DB_PASSWORD");
        assertEquals(32, java.util.Base64.getUrlDecoder().decode(password).length, "256 random bits");
        String sealed = sealedCredential(db);
        assertTrue(sealed.startsWith("v1.") && !sealed.contains(password), "stored sealed, never in clear");
        assertFalse(r.deployed().json().contains(password), "not in InstanceDeployed");
        assertFalse(InstanceApiTest.as(ws).get("/instances/" + id).asString().contains(password), "not in the API");
        var pg = dev.dmsmlflow.infra.LocalPostgres.shared();
        try (var c = pg.connect(db, db, password)) {
            assertTrue(c.isValid(2));
        }
        org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class, () -> pg.connect("postgres", db, password), "its own database only");
        try (var c = pg.connect("postgres"); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                     + " WHERE d.datname = '" + db + "' AND a.grantee = 0 AND a.privilege_type = 'CONNECT'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "PUBLIC may not connect to the tracking database");
        }

        // as before the upgrade: no sealed credential, the role's password the HMAC of the public default secret, and the
        // server logged in with it
        String derived = hmac("dms-local-tracking-db-secret", db);
        Instance i = repository.find(id).orElseThrow();
        // the running-server watcher (1 s in tests) may see the server gone between our stop and start and restart it,
        // giving the role a new password first: then the legacy state is set up again, until it holds
        long legacyPid = -1;
        for (int attempt = 1; legacyPid < 0; attempt++) {
            try (var c = pg.connect("postgres")) {
                dev.dmsmlflow.infra.LocalPostgres.setPassword(c, db, derived);
            }
            deleteCredential(db);
            compute.stop(id);
            try {
                compute.start(new ComputeRequest(id, i.spec, 1, 2, databases.jdbcUrl(db), db, derived, i.ossBucket, i.ossPath, port, null));
                long started = pid(id);
                if (derived.equals(Probes.environment(started).get("DMS_TRACKING_DB_PASSWORD")) && databases.needsNewPassword(db)) {
                    try (var c = pg.connect(db, db, derived)) {
                        legacyPid = started;
                    }
                }
            } catch (dev.dmsmlflow.instance.provider.compute.ComputeException | java.sql.SQLException e) {
                if (attempt >= 5) {
                    throw e;
                }
            }
            assertTrue(legacyPid > 0 || attempt < 5, "the legacy state (derived password, no sealed credential) did not hold");
        }
        assertEquals(derived, Probes.environment(legacyPid).get("DMS_TRACKING_DB_PASSWORD"));

        worker.reconcile(); // what the service does at startup

        assertTrue(pid(id) != legacyPid, "the server was restarted with the new password");
        assertTrue(Probes.healthy(host, port));
        String fresh = Probes.environment(pid(id)).get("DMS_TRACKING_DB_PASSWORD");
        assertTrue(!fresh.equals(derived) && !fresh.equals(password));
        assertTrue(sealedCredential(db).startsWith("v1."));
        java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class, () -> pg.connect(db, db, derived));
        assertEquals("28P01", refused.getSQLState(), "the derived password no longer opens the database");
        given().queryParam("experiment_name", experimentName).get(tracking + "/experiments/get-by-name").then().statusCode(200);
        releaseCompletely(id, ws);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> sealedCredential(db), "the credential goes with the database");
    }

    @Inject
    io.agroal.api.AgroalDataSource serviceDb;

    private String sealedCredential(String db) throws Exception {
        try (var c = serviceDb.getConnection(); var ps = c.prepareStatement("SELECT sealed FROM tracking_db_credential WHERE database = ?")) {
            ps.setString(1, db);
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no credential for " + db);
                }
                return rs.getString(1);
            }
        }
    }

    private void deleteCredential(String db) throws Exception {
        try (var c = serviceDb.getConnection(); var ps = c.prepareStatement("DELETE FROM tracking_db_credential WHERE database = ?")) {
            ps.setString(1, db);
            assertEquals(1, ps.executeUpdate());
        }
    }

    private static String hmac(String secret, String database) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(database.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aLoadBalancerMadeAgainAtAnotherAddressMovesTheInstanceAndItIsAnnouncedRunningThere() {
        Running r = running();
        String lb = "alb-" + r.id().substring(0, 8);
        InstanceApiTest.as(r.ws()).get("/instances/" + r.id()).then().statusCode(200).body("vpcAddress", equalTo("http://127.0.0.1:18080"));

        String first = bus.publish(new LoadBalancerAddressChanged(r.id(), r.ws(), lb, "10.0.8.27", 80, "127.0.0.1", 18080, Instant.now()));
        Bus.Received moved = bus.await("InstanceRunning", x -> Bus.forInstance(r.id()).test(x)
                && "10.0.8.27".equals(x.payload().path("vpcAddress").asText()), EVENT);
        assertEquals("http://10.0.8.27", moved.payload().path("trackingUri").asText(), "port 80 is left out of the tracking URI");
        InstanceApiTest.as(r.ws()).get("/instances/" + r.id()).then().statusCode(200).body("status", equalTo("RUNNING"))
                .body("vpcAddress", equalTo("http://10.0.8.27:80")).body("trackingUri", equalTo("http://10.0.8.27"));

        // the same event again (a redelivery), the same address under a new id, another load balancer's: nothing; then a
        // real change: the next announcement is that one, so none of the others announced anything
        bus.publish(new LoadBalancerAddressChanged(r.id(), r.ws(), lb, "10.0.8.27", 80, "127.0.0.1", 18080, Instant.now()), first);
        bus.publish(new LoadBalancerAddressChanged(r.id(), r.ws(), lb, "10.0.8.27", 80, "127.0.0.1", 18080, Instant.now()));
        bus.publish(new LoadBalancerAddressChanged(r.id(), r.ws(), "alb-other", "10.0.9.9", 80, "10.0.8.27", 80, Instant.now()));
        bus.publish(new LoadBalancerAddressChanged(r.id(), r.ws(), lb, "10.0.8.31", 80, "10.0.8.27", 80, Instant.now()));
        bus.await("InstanceRunning", x -> Bus.forInstance(r.id()).test(x)
                && "10.0.8.31".equals(x.payload().path("vpcAddress").asText()), EVENT);
        assertEquals(List.of("127.0.0.1", "10.0.8.27", "10.0.8.31"), bus.all("InstanceRunning", Bus.forInstance(r.id())).stream()
                .map(x -> x.payload().path("vpcAddress").asText()).toList(), "one announcement per address");

        releaseCompletely(r.id(), r.ws());
    }

    /** A RUNNING instance of a new workspace: created, NetworkProvisioned, deployed on a real server, BackendRegistered. */
    private Running running() {
        String ws = InstanceApiTest.workspace();
        String id = create(InstanceApiTest.validBody(ws));
        bus.publish(networkProvisioned(id, ws));
        Bus.Received deployed = bus.await("InstanceDeployed", Bus.forInstance(id), DEPLOY);
        String host = deployed.payload().path("backend").path("host").asText();
        int port = deployed.payload().path("backend").path("port").asInt();
        bus.publish(new BackendRegistered(id, ws, "alb-1", null, new Backend(host, port), Instant.now()));
        awaitStatus(ws, id, "RUNNING", EVENT);
        return new Running(ws, id, host, port, deployed);
    }

    private record Running(String ws, String id, String host, int port, Bus.Received deployed) {
    }

    private long pid(String id) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(localCompute.instanceDirectory(id).resolve("server.properties"))) {
            p.load(in);
        }
        return Long.parseLong(p.getProperty("pid"));
    }

    private void releaseCompletely(String id, String ws) {
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").then().statusCode(202);
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT);
        bus.publish(new NetworkReleased(id, ws, null, Instant.now()));
        awaitStatus(ws, id, "RELEASED", EVENT);
    }
}

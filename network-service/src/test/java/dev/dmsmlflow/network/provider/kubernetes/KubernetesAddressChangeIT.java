package dev.dmsmlflow.network.provider.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.application.Reconciler;
import dev.dmsmlflow.network.support.OutboxRows;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kubernetes load balancer whose Service is made again gets another address from the cloud (here from
 * {@link FakeLoadBalancerController}, on the real API server of local-infra's {@code LocalKubernetes}): the reconciliation records it, the
 * network's view shows it (what the gateway's {@code vpc-address} answers) and one {@code LoadBalancerAddressChanged}
 * announces it to instance-service through the outbox.
 */
@QuarkusTest
@TestProfile(KubernetesProviderIT.Kubernetes.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
@QuarkusTestResource(value = FakeLoadBalancerController.class, restrictToAnnotatedClass = true)
class KubernetesAddressChangeIT {

    static final String NS = FakeLoadBalancerController.NAMESPACE;

    @Inject
    NetworkService service;
    @Inject
    Reconciler reconciler;
    @Inject
    AgroalDataSource dataSource;

    static String vpcAddress(String ws, String id) {
        return ServiceTokens.editorOf(ws).when().get("/networks/" + id).then().statusCode(200).extract().path("vpcAddress");
    }

    @Test
    void aServiceMadeAgainAtAnotherAddressIsRecordedAndAnnouncedOnce() throws Exception {
        String ws = "ws-k8s-addr-1";
        String id = "mlf-addr-" + UUID.randomUUID().toString().substring(0, 8);
        Steps.run(id, () -> service.onInstanceRequested(new InstanceRequested(id, ws, "n", null, "vpc-local", "vsw-local-a",
                "vsw-local-b", "sg-local-basic", "b", "p-" + id, "2C4G", null, Instant.now())));
        String name = KubernetesLoadBalancers.name(id);
        String before = FakeLoadBalancerController.addresses.get(name);
        assertNotNull(before);
        assertEquals(before, vpcAddress(ws, id));
        assertEquals(List.of(), OutboxRows.payloads(dataSource, id, LoadBalancerAddressChanged.TYPE));

        // the Service deleted; the cloud gives the one made again another address
        FakeLoadBalancerController.addresses.remove(name);
        KubernetesProviderIT.k8s().services().inNamespace(NS).withName(name).delete();
        KubernetesProviderIT.until(() -> !before.equals(vpcAddress(ws, id)), "the new address of " + id + " recorded");
        String after = vpcAddress(ws, id);
        assertEquals(FakeLoadBalancerController.addresses.get(name), after, "the Service's new address");
        assertNotEquals(before, after);
        ServiceTokens.editorOf(ws).when().get("/networks/" + id).then().statusCode(200).body("vpcPort", equalTo(80))
                .body("status", equalTo("ACTIVE"));

        reconciler.reconcile(); // another round finds the address recorded: nothing announced again
        List<String> announced = OutboxRows.payloads(dataSource, id, LoadBalancerAddressChanged.TYPE);
        assertEquals(1, announced.size(), announced.toString());
        JsonNode e = new ObjectMapper().readTree(announced.get(0));
        assertTrue(EventSchemas.validate(LoadBalancerAddressChanged.TYPE, e).isEmpty(), EventSchemas.validate(LoadBalancerAddressChanged.TYPE, e).toString());
        assertEquals(id, e.path("instanceId").asText());
        assertEquals(ws, e.path("workspaceId").asText());
        assertEquals(name, e.path("loadBalancerId").asText());
        assertEquals(after, e.path("vpcAddress").asText());
        assertEquals(80, e.path("vpcPort").asInt());
        assertEquals(before, e.path("previousVpcAddress").asText());
        assertEquals(80, e.path("previousVpcPort").asInt());

        Steps.run(id, () -> service.onReleaseRequested(new InstanceReleaseRequested(id, ws, null, Instant.now())));
    }
}

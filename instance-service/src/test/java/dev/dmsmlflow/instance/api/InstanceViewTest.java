package dev.dmsmlflow.instance.api;

import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What the view shows of an instance's address in each phase of its life. */
class InstanceViewTest {

    private static Instance withAddress(InstanceStatus status) {
        Instance i = new Instance();
        i.id = "i-1";
        i.workspaceId = "ws-1";
        i.name = "n";
        i.ossBucket = "b";
        i.ossPath = "p";
        i.status = status;
        i.vpcAddress = "127.0.0.1";
        i.vpcPort = 18080;
        return i;
    }

    @Test
    void aRunningOrReleasingInstanceShowsItsAddress() {
        for (InstanceStatus s : new InstanceStatus[] {InstanceStatus.RUNNING, InstanceStatus.STOPPED, InstanceStatus.RELEASING}) {
            InstanceView v = InstanceView.of(withAddress(s));
            assertEquals("127.0.0.1", v.vpcAddress(), s.name());
            assertEquals("http://127.0.0.1:18080", v.trackingUri(), s.name());
        }
    }

    @Test
    void aReleasedInstanceShowsNoAddress() {
        InstanceView v = InstanceView.of(withAddress(InstanceStatus.RELEASED));
        assertEquals("RELEASED", v.status());
        assertNull(v.vpcAddress());
        assertNull(v.trackingUri());
    }
}

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
            assertEquals("http://127.0.0.1:18080", v.vpcAddress(), s.name());
            assertEquals("127.0.0.1", v.vpcHost(), s.name());
            assertEquals("http://127.0.0.1:18080", v.trackingUri(), s.name());
            assertEquals("mlflow.set_tracking_uri(\"http://127.0.0.1:18080\")", v.setTrackingUri(), s.name());
        }
    }

    @Test
    void theVpcAddressIsAFullUriWithItsPortAlwaysWrittenAsOnAnAlbListener() {
        Instance i = withAddress(InstanceStatus.RUNNING);
        i.vpcAddress = "alb-abc.cn-hangzhou.alb.aliyuncs.com";
        i.vpcPort = 80;
        InstanceView v = InstanceView.of(i);
        assertEquals("http://alb-abc.cn-hangzhou.alb.aliyuncs.com:80", v.vpcAddress());
        assertEquals("alb-abc.cn-hangzhou.alb.aliyuncs.com", v.vpcHost());
        assertEquals("mlflow.set_tracking_uri(\"http://alb-abc.cn-hangzhou.alb.aliyuncs.com:80\")", v.setTrackingUri());
    }

    @Test
    void aCreatingInstanceHasNoAddressYet() {
        Instance i = withAddress(InstanceStatus.CREATING);
        i.vpcAddress = null;
        i.vpcPort = null;
        InstanceView v = InstanceView.of(i);
        assertNull(v.vpcAddress());
        assertNull(v.setTrackingUri());
    }

    @Test
    void aReleasedInstanceShowsNoAddress() {
        InstanceView v = InstanceView.of(withAddress(InstanceStatus.RELEASED));
        assertEquals("RELEASED", v.status());
        assertNull(v.vpcAddress());
        assertNull(v.vpcHost());
        assertNull(v.trackingUri());
        assertNull(v.setTrackingUri());
    }
}

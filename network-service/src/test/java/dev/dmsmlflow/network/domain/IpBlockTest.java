package dev.dmsmlflow.network.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpBlockTest {

    @Test
    void singleIpv4AddressBecomesSlash32() {
        assertEquals("192.168.1.7/32", IpBlock.parse("192.168.1.7").toString());
        assertEquals("192.168.1.7/32", IpBlock.parse(" 192.168.1.7/32 ").toString());
    }

    @Test
    void hostBitsAreCleared() {
        assertEquals("192.168.0.0/16", IpBlock.parse("192.168.44.5/16").toString());
        assertEquals("0.0.0.0/0", IpBlock.parse("10.1.2.3/0").toString());
    }

    @Test
    void ipv6IsWrittenInRfc5952Form() {
        assertEquals("2001:db8::/32", IpBlock.parse("2001:0DB8:0000:0000::1/32").toString());
        assertEquals("::1/128", IpBlock.parse("0:0:0:0:0:0:0:1").toString());
        assertEquals("2001:db8:0:1:1:1:1:1/128", IpBlock.parse("2001:db8:0:1:1:1:1:1").toString());
        assertEquals("fe80::/10", IpBlock.parse("fe80::1234/10").toString());
    }

    @Test
    void invalidInputIsRefusedWithoutDns() {
        for (String bad : new String[] {"", "localhost", "example.com", "256.1.1.1", "1.2.3", "1.2.3.4/33", "1.2.3.4/-1",
                "01.2.3.4", "::1/129", "1.2.3.4/", "::ffff:1.2.3.4", "gggg::1"}) {
            assertThrows(IllegalArgumentException.class, () -> IpBlock.parse(bad), bad);
        }
    }

    @Test
    void containsAndCovers() {
        IpBlock loopback = IpBlock.parse("127.0.0.0/8");
        assertTrue(loopback.contains(IpBlock.parseAddress("127.0.0.1")));
        assertTrue(loopback.contains(IpBlock.parseAddress("127.9.8.7")));
        assertFalse(loopback.contains(IpBlock.parseAddress("128.0.0.1")));
        assertFalse(loopback.contains(IpBlock.parseAddress("::1")));
        assertTrue(IpBlock.parse("127.0.0.1").contains(IpBlock.parseAddress("127.0.0.1")));
        assertFalse(IpBlock.parse("127.0.0.1").contains(IpBlock.parseAddress("127.0.0.2")));
        assertTrue(loopback.covers(IpBlock.parse("127.1.0.0/16")));
        assertFalse(IpBlock.parse("127.1.0.0/16").covers(loopback));
        assertEquals(IpBlock.parse("10.0.0.0/8"), IpBlock.parse("10.20.30.40/8"));
    }
}

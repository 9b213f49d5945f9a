package dev.dmsmlflow.notebook.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data storage field and the overlap rule of persistent locations. */
class StorageTest {

    @Test
    void noneIsTemporaryAndLocationsAreNormalized() {
        assertTrue(Storage.parse(null).temporary());
        assertTrue(Storage.parse("None").temporary());
        assertEquals("oss://my-bucket/notebook", Storage.parse("oss://my-bucket/notebook/").uri().orElseThrow());
        assertEquals("nas://fs-1/team/a", Storage.parse("nas://fs-1/team/a").uri().orElseThrow());
        assertEquals("oss://my-bucket", Storage.parse("oss://my-bucket").uri().orElseThrow());
    }

    @Test
    void malformedLocationsAreRefused() {
        for (String bad : List.of("s3://b/p", "oss://B/p", "oss://ab/p", "oss://my-bucket/../x", "oss://my-bucket/a//b", "nas:///p",
                "oss://my-bucket/a b")) {
            assertThrows(Storage.InvalidStorage.class, () -> Storage.parse(bad), bad);
        }
    }

    @Test
    void locationsOverlapWhenOneContainsTheOther() {
        Storage root = Storage.parse("oss://my-bucket/team");
        assertTrue(root.overlaps(Storage.parse("oss://my-bucket/team/notebooks")));
        assertTrue(Storage.parse("oss://my-bucket/team/notebooks").overlaps(root));
        assertTrue(Storage.parse("oss://my-bucket").overlaps(root));
        assertFalse(root.overlaps(Storage.parse("oss://my-bucket/teammate")));
        assertFalse(root.overlaps(Storage.parse("nas://my-bucket/team")));
        assertFalse(root.overlaps(Storage.TEMPORARY));
    }
}

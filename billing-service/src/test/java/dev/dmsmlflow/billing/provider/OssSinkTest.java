package dev.dmsmlflow.billing.provider;

import dev.dmsmlflow.billing.application.export.Manifest;
import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import com.aliyun.oss.common.comm.SignVersion;
import dev.dmsmlflow.infra.TempDirs;
import dev.dmsmlflow.infra.oss.FakeOss;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OSS export sink against a local server that speaks OSS's REST API and checks every request's V4 signature: the
 * files land under the sink's prefix and the export's partition path, byte for byte, the manifest with them; a sink with
 * a wrong secret stores nothing and says OSS refused.
 */
class OssSinkTest {

    private static final String BUCKET = "billing-exports";
    private static final String REGION = "cn-hangzhou";
    private static final String KEY_ID = "AK-billing";
    private static final String SECRET = "SK-billing";

    private FakeOss oss;
    private Path dir;

    @BeforeEach
    void start() throws IOException {
        oss = new FakeOss(BUCKET, REGION, KEY_ID, SECRET);
        dir = TempDirs.forThisJvm("oss-sink-test");
        Files.writeString(dir.resolve("part-00000.csv"), "BilledCost,ResourceId\n1.25,mlf-1\n");
        Files.write(dir.resolve("part-00000.parquet"), new byte[] {'P', 'A', 'R', '1', 0, 1, 2, 3, (byte) 0xff, 'P', 'A', 'R', '1'});
        Files.writeString(dir.resolve(Manifest.NAME), "{\"rowCount\":1}");
    }

    @AfterEach
    void stop() {
        oss.close();
    }

    @Test
    void anExportsFilesAndManifestArePutUnderThePrefixAndPartitionPathByteForByte() throws Exception {
        String partition = ExportSink.prefix("ws-1", "2025-04", "exp-1");
        try (OssSink sink = new OssSink(oss.endpoint(), REGION, BUCKET, "/focus/exports/", new DefaultCredentialProvider(KEY_ID, SECRET))) {
            String location = sink.put(partition, dir, List.of("part-00000.csv", "part-00000.parquet"), Manifest.NAME);
            String base = "focus/exports/" + partition + "/";
            assertEquals("oss://" + BUCKET + "/" + base + Manifest.NAME, location);
            assertEquals(Set.of(base + "part-00000.csv", base + "part-00000.parquet", base + Manifest.NAME), oss.keys());
        }
        assertEquals(0, oss.rejected.get(), "rejected: " + oss.lastRejection);
        // read back with a separate client: the bytes are the files'
        ClientBuilderConfiguration conf = new ClientBuilderConfiguration();
        conf.setSignatureVersion(SignVersion.V4);
        conf.setSLDEnabled(true);
        OSS reader = OSSClientBuilder.create().endpoint(oss.endpoint()).credentialsProvider(new DefaultCredentialProvider(KEY_ID, SECRET))
                .clientConfiguration(conf).region(REGION).build();
        try {
            for (String f : List.of("part-00000.csv", "part-00000.parquet", Manifest.NAME)) {
                try (InputStream in = reader.getObject(BUCKET, "focus/exports/" + partition + "/" + f).getObjectContent()) {
                    byte[] got = in.readAllBytes();
                    assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve(f)), got),
                            f + ": " + new String(got, StandardCharsets.UTF_8));
                }
            }
        } finally {
            reader.shutdown();
        }
    }

    @Test
    void aSinkWithAWrongSecretStoresNothingAndSaysOssRefused() {
        try (OssSink sink = new OssSink(oss.endpoint(), REGION, BUCKET, "", new DefaultCredentialProvider(KEY_ID, "not-the-secret"))) {
            IOException e = assertThrows(IOException.class,
                    () -> sink.put(ExportSink.prefix("ws-1", "2025-04", "exp-2"), dir, List.of("part-00000.csv"), Manifest.NAME));
            assertTrue(e.getMessage().contains("OSS refused the export"), e.getMessage());
            assertFalse(e.getMessage().contains("not-the-secret"), "the secret is never in a message");
        }
        assertEquals(0, oss.objectCount());
        assertTrue(oss.rejected.get() > 0);
    }
}

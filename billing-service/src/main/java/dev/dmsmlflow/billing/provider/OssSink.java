package dev.dmsmlflow.billing.provider;

import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.common.auth.CredentialsProvider;
import com.aliyun.oss.common.comm.SignVersion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The OSS sink: each file a PutObject under {@code <prefix>/workspace=.../billing_period=.../export=.../}, the manifest
 * last (a reader that finds the manifest finds every file). Path-style requests for a custom endpoint, V4 signatures.
 */
public final class OssSink implements ExportSink, AutoCloseable {

    private final OSS client;
    private final String bucket;
    private final String prefix;

    public OssSink(String endpoint, String region, String bucket, String prefix, CredentialsProvider credentials) {
        ClientBuilderConfiguration conf = new ClientBuilderConfiguration();
        conf.setSignatureVersion(SignVersion.V4);
        conf.setSLDEnabled(!endpoint.contains("aliyuncs.com"));
        conf.setConnectionTimeout(10_000);
        conf.setSocketTimeout(60_000);
        conf.setMaxErrorRetry(3);
        this.client = OSSClientBuilder.create().endpoint(endpoint).credentialsProvider(credentials).clientConfiguration(conf)
                .region(region).build();
        this.bucket = bucket;
        this.prefix = prefix.replaceAll("^/+|/+$", "");
    }

    @Override
    public String put(String exportPrefix, Path dir, List<String> files, String manifestName) throws IOException {
        String base = (prefix.isEmpty() ? "" : prefix + "/") + exportPrefix;
        try {
            for (String f : files) {
                client.putObject(bucket, base + "/" + f, dir.resolve(f).toFile());
            }
            client.putObject(bucket, base + "/" + manifestName, dir.resolve(manifestName).toFile());
        } catch (RuntimeException e) {
            throw new IOException("OSS refused the export " + base + ": " + e.getMessage(), e);
        }
        return "oss://" + bucket + "/" + base + "/" + manifestName;
    }

    @Override
    public void close() {
        client.shutdown();
    }
}

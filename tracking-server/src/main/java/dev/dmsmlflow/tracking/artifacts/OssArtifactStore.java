package dev.dmsmlflow.tracking.artifacts;

import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.ClientException;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.OSSErrorCode;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.common.auth.CredentialsProvider;
import com.aliyun.oss.common.auth.EnvironmentVariableCredentialsProvider;
import com.aliyun.oss.common.comm.SignVersion;
import com.aliyun.oss.model.ListObjectsV2Request;
import com.aliyun.oss.model.ListObjectsV2Result;
import com.aliyun.oss.model.OSSObject;
import com.aliyun.oss.model.OSSObjectSummary;
import com.aliyun.oss.model.ObjectMetadata;
import com.aliyun.oss.model.PutObjectRequest;
import dev.dmsmlflow.tracking.http.MlflowException;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Artifacts in an OSS bucket under a key prefix, through the official SDK with V4 signatures.
 * Directories are key prefixes ending in {@code /}; directory marker objects are tolerated.
 */
public final class OssArtifactStore implements ArtifactStore {
    private static final int PAGE = 1000;
    private final OSS client;
    private final String bucket;
    private final String prefix;

    OssArtifactStore(OSS client, String bucket, String prefix) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = trimSlashes(prefix == null ? "" : prefix);
    }

    /** An OSS client for {@code endpoint}/{@code region} with credentials from {@code OSS_ACCESS_KEY_ID}/{@code OSS_ACCESS_KEY_SECRET}. */
    public static OSS newClient(String endpoint, String region) {
        return newClient(endpoint, region, new EnvironmentVariableCredentialsProvider());
    }

    public static OSS newClient(String endpoint, String region, CredentialsProvider credentials) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("dms.tracking.oss.endpoint is required for an oss:// artifact root");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("dms.tracking.oss.region is required for an oss:// artifact root (V4 signatures)");
        }
        ClientBuilderConfiguration conf = new ClientBuilderConfiguration();
        conf.setSignatureVersion(SignVersion.V4);
        // Path-style requests (http://endpoint/bucket/key) for anything that is not an Aliyun OSS domain.
        conf.setSLDEnabled(isCustomEndpoint(endpoint));
        conf.setConnectionTimeout(10_000);
        conf.setSocketTimeout(60_000);
        conf.setMaxErrorRetry(3);
        return OSSClientBuilder.create()
                .endpoint(endpoint)
                .credentialsProvider(credentials)
                .clientConfiguration(conf)
                .region(region)
                .build();
    }

    static boolean isCustomEndpoint(String endpoint) {
        String host = endpoint.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        int colon = host.lastIndexOf(':');
        if (colon >= 0) {
            host = host.substring(0, colon);
        }
        return !host.toLowerCase().endsWith(".aliyuncs.com");
    }

    public OssArtifactStore withPrefix(String otherPrefix) {
        return new OssArtifactStore(client, bucket, otherPrefix);
    }

    public String bucket() {
        return bucket;
    }

    public String prefix() {
        return prefix;
    }

    private String key(String path) {
        return ArtifactPaths.join(prefix, path);
    }

    private String dirKey(String path) {
        String k = key(path);
        return k.isEmpty() ? "" : k + "/";
    }

    @Override
    public void put(String path, InputStream in, long length) throws IOException {
        if (path.isEmpty()) {
            throw MlflowException.invalidParameter("An artifact path is required");
        }
        if (length < 0) {
            // Unknown length (chunked request): spool to disk so the SDK gets a sized, retryable body.
            Path tmp = Files.createTempFile("dms-oss-upload", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                try (InputStream file = Files.newInputStream(tmp)) {
                    upload(path, file, Files.size(tmp));
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return;
        }
        upload(path, in, length);
    }

    private void upload(String path, InputStream in, long length) throws IOException {
        ObjectMetadata md = new ObjectMetadata();
        md.setContentLength(length);
        md.setContentType("application/octet-stream");
        try {
            client.putObject(new PutObjectRequest(bucket, key(path), new NonClosing(in), md));
        } catch (OSSException | ClientException e) {
            throw io("upload " + path, e);
        }
    }

    @Override
    public Optional<InputStream> get(String path) throws IOException {
        if (path.isEmpty()) {
            return Optional.empty();
        }
        try {
            OSSObject o = client.getObject(bucket, key(path));
            return Optional.of(new FilterInputStream(o.getObjectContent()) {
                @Override
                public void close() throws IOException {
                    o.close();
                }
            });
        } catch (OSSException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw io("read " + path, e);
        } catch (ClientException e) {
            throw io("read " + path, e);
        }
    }

    @Override
    public Optional<Entry> stat(String path) throws IOException {
        if (path.isEmpty()) {
            return Optional.of(Entry.directory(""));
        }
        String name = ArtifactPaths.baseName(path);
        try {
            ObjectMetadata md = client.getObjectMetadata(bucket, key(path));
            return Optional.of(Entry.file(name, md.getContentLength()));
        } catch (OSSException e) {
            if (!isNotFound(e)) {
                throw io("stat " + path, e);
            }
        } catch (ClientException e) {
            throw io("stat " + path, e);
        }
        try {
            ListObjectsV2Result r = client.listObjectsV2(new ListObjectsV2Request(bucket).withPrefix(dirKey(path)).withMaxKeys(1));
            return r.getKeyCount() > 0 || !r.getObjectSummaries().isEmpty() ? Optional.of(Entry.directory(name)) : Optional.empty();
        } catch (OSSException | ClientException e) {
            throw io("stat " + path, e);
        }
    }

    @Override
    public List<Entry> list(String path) throws IOException {
        String dir = dirKey(path);
        List<Entry> out = new ArrayList<>();
        String token = null;
        try {
            do {
                ListObjectsV2Request req = new ListObjectsV2Request(bucket).withPrefix(dir).withDelimiter("/").withMaxKeys(PAGE);
                if (token != null) {
                    req.setContinuationToken(token);
                }
                ListObjectsV2Result r = client.listObjectsV2(req);
                for (OSSObjectSummary s : r.getObjectSummaries()) {
                    String rest = s.getKey().substring(dir.length());
                    if (rest.isEmpty() || rest.contains("/")) {
                        continue; // the directory marker itself
                    }
                    out.add(Entry.file(rest, s.getSize()));
                }
                for (String p : r.getCommonPrefixes()) {
                    String rest = p.substring(dir.length());
                    if (rest.endsWith("/")) {
                        rest = rest.substring(0, rest.length() - 1);
                    }
                    if (!rest.isEmpty()) {
                        out.add(Entry.directory(rest));
                    }
                }
                token = r.isTruncated() ? r.getNextContinuationToken() : null;
            } while (token != null);
        } catch (OSSException | ClientException e) {
            throw io("list " + path, e);
        }
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    @Override
    public void delete(String path) throws IOException {
        try {
            if (!path.isEmpty()) {
                client.deleteObject(bucket, key(path)); // no error when absent
            }
            String dir = dirKey(path);
            String token = null;
            do {
                ListObjectsV2Request req = new ListObjectsV2Request(bucket).withPrefix(dir).withMaxKeys(PAGE);
                if (token != null) {
                    req.setContinuationToken(token);
                }
                ListObjectsV2Result r = client.listObjectsV2(req);
                for (OSSObjectSummary s : r.getObjectSummaries()) {
                    client.deleteObject(bucket, s.getKey());
                }
                token = r.isTruncated() ? r.getNextContinuationToken() : null;
            } while (token != null);
        } catch (OSSException | ClientException e) {
            throw io("delete " + path, e);
        }
    }

    /**
     * Lists at most one key under the prefix: one cheap request that proves the endpoint answers, the credentials are
     * accepted and the bucket exists and may be listed. Writes are not tried (a probe object per check would be a
     * billed PUT and a write the bucket's owner sees); a bucket that can be listed but not written reads as ready.
     * The request runs with the client's own timeouts and retries, longer than a readiness answer waits: the caller
     * bounds the wait and does not start another check while one is still running.
     */
    @Override
    public void checkAvailable() throws Unavailable {
        try {
            client.listObjectsV2(new ListObjectsV2Request(bucket).withPrefix(dirKey("")).withMaxKeys(1));
        } catch (OSSException e) {
            String code = e.getErrorCode() != null && e.getErrorCode().matches("[A-Za-z]{1,64}") ? e.getErrorCode() : "an error";
            throw new Unavailable("the OSS bucket refused a listing (" + code + ")", e);
        } catch (ClientException e) {
            throw new Unavailable("the OSS endpoint did not answer", e);
        }
    }

    @Override
    public String describe() {
        return "oss://" + bucket + "/" + prefix;
    }

    public void shutdown() {
        client.shutdown();
    }

    private static boolean isNotFound(OSSException e) {
        return OSSErrorCode.NO_SUCH_KEY.equals(e.getErrorCode()) || "NoSuchKey".equals(e.getErrorCode());
    }

    private IOException io(String what, Exception e) {
        String detail = e instanceof OSSException oe
                ? oe.getErrorCode() + ": " + oe.getErrorMessage() + " (request " + oe.getRequestId() + ")"
                : e.getMessage();
        return new IOException("OSS " + what + " in oss://" + bucket + "/" + prefix + " failed: " + detail, e);
    }

    static String trimSlashes(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '/') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '/') {
            b--;
        }
        return s.substring(a, b);
    }

    /** The SDK closes the body it was given; the caller owns the request stream. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // owned by the caller
        }
    }
}

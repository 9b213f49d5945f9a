package dev.dmsmlflow.instance.provider.compute.aliyun;

import com.aliyun.sts20150401.models.AssumeRoleRequest;
import com.aliyun.sts20150401.models.AssumeRoleResponseBody;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teautil.models.RuntimeOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.StorageCredentials;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Scoped OSS credentials on Alibaba Cloud through the official STS SDK ({@code com.aliyun:sts20150401}):
 * {@code AssumeRole} of the operator's RAM role (which may reach the buckets) with an inline policy that narrows the
 * session to one instance's prefix. The effective permissions are the intersection, so a tracking server holding them
 * reads and writes {@code bucket/prefix/*} and lists under {@code prefix/}, and nothing else. The platform's own keys
 * (the default credential chain) sign the AssumeRole call and never leave this service.
 */
public class StsStorageCredentials implements StorageCredentials {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");

    private final String endpoint;
    private final String regionId;
    private final String protocol;
    private final String roleArn;
    private final Duration lifetime;
    private volatile com.aliyun.sts20150401.Client client;

    /**
     * @param endpoint e.g. {@code sts.cn-hangzhou.aliyuncs.com} (tests: a local server)
     * @param roleArn  the RAM role the sessions assume, e.g. {@code acs:ram::<account>:role/dms-mlflow-artifacts}
     * @param lifetime 15 minutes to the role's maximum session duration
     */
    public StsStorageCredentials(String endpoint, String regionId, String protocol, String roleArn, Duration lifetime) {
        this.endpoint = endpoint;
        this.regionId = regionId;
        this.protocol = protocol;
        this.roleArn = roleArn;
        this.lifetime = lifetime;
    }

    /** The inline session policy: objects under {@code bucket/prefix/}, listing restricted to that prefix. */
    public static String policy(String bucket, String prefix) {
        if (!BUCKET.matcher(bucket).matches() || prefix == null || prefix.isEmpty() || prefix.contains("*")
                || prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("..")) {
            throw new IllegalArgumentException("not an instance root: oss://" + bucket + "/" + prefix);
        }
        ObjectNode doc = JSON.createObjectNode().put("Version", "1");
        ArrayNode statements = doc.putArray("Statement");
        ObjectNode objects = statements.addObject().put("Effect", "Allow");
        objects.putArray("Action").add("oss:GetObject").add("oss:PutObject").add("oss:DeleteObject").add("oss:HeadObject")
                .add("oss:AbortMultipartUpload").add("oss:ListParts");
        objects.putArray("Resource").add("acs:oss:*:*:" + bucket + "/" + prefix + "/*");
        ObjectNode listing = statements.addObject().put("Effect", "Allow");
        listing.putArray("Action").add("oss:ListObjects");
        listing.putArray("Resource").add("acs:oss:*:*:" + bucket);
        listing.putObject("Condition").putObject("StringLike").putArray("oss:Prefix").add(prefix + "/*").add(prefix + "/");
        return doc.toString();
    }

    private com.aliyun.sts20150401.Client client() throws Exception {
        if (client == null) {
            synchronized (this) {
                if (client == null) {
                    Config c = new Config().setCredential(new com.aliyun.credentials.Client()).setRegionId(regionId).setProtocol(protocol);
                    c.setEndpoint(endpoint);
                    client = new com.aliyun.sts20150401.Client(c);
                }
            }
        }
        return client;
    }

    @Override
    public Scoped issue(String instanceId, String bucket, String prefix) throws ComputeException {
        String session = ("dms-mlflow-" + instanceId).replaceAll("[^A-Za-z0-9._@-]", "-");
        AssumeRoleRequest request = new AssumeRoleRequest().setRoleArn(roleArn)
                .setRoleSessionName(session.length() > 64 ? session.substring(0, 64) : session)
                .setPolicy(policy(bucket, prefix)).setDurationSeconds(lifetime.toSeconds());
        try {
            AssumeRoleResponseBody.AssumeRoleResponseBodyCredentials c = client().assumeRoleWithOptions(request,
                    new RuntimeOptions().setAutoretry(false).setConnectTimeout(10_000).setReadTimeout(30_000)).getBody().getCredentials();
            return new Scoped(c.getAccessKeyId(), c.getAccessKeySecret(), c.getSecurityToken(), Instant.parse(c.getExpiration()));
        } catch (com.aliyun.tea.TeaException e) {
            throw new ComputeException("STS refused scoped credentials for " + instanceId + ": " + e.getCode(), e);
        } catch (Exception e) {
            throw new ComputeException("STS could not be asked for scoped credentials for " + instanceId, e);
        }
    }
}

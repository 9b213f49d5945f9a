package dev.dmsmlflow.instance.provider.compute.aliyun;

import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teaopenapi.models.OpenApiRequest;
import com.aliyun.teaopenapi.models.Params;
import com.aliyun.teautil.models.RuntimeOptions;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One RPC-style Alibaba Cloud API through the official SDK's generic client ({@code com.aliyun:tea-openapi}, {@code callApi}):
 * Elastic Container Instance (version 2018-08-08; its product SDK {@code eci20180808} is not served by Maven Central) and the
 * few ECS calls the compute needs (version 2014-05-26). The generic client signs (ACS3-HMAC-SHA256) and sends the same
 * requests as the product SDKs. Credentials come from the default credential chain (never from configuration, never logged).
 * Throttling and busy answers are retried with backoff.
 */
final class EciClient {

    private static final Logger LOG = Logger.getLogger(EciClient.class);
    private static final Set<String> RETRYABLE_PREFIXES = Set.of("Throttling", "ServiceUnavailable", "SystemBusy", "InternalError",
            "IncorrectStatus", "OperationConflict");

    private final AliyunComputeConfig config;
    private final String version;
    private final String endpoint;
    private volatile com.aliyun.teaopenapi.Client client;

    /** Elastic Container Instance. */
    EciClient(AliyunComputeConfig config) {
        this(config, "2018-08-08", config.endpoint().orElse("eci." + config.regionId() + ".aliyuncs.com"));
    }

    /** Another RPC product of the same account and region: API {@code version} at {@code endpoint}. */
    EciClient(AliyunComputeConfig config, String version, String endpoint) {
        this.config = config;
        this.version = version;
        this.endpoint = endpoint;
    }

    /** An error answer of the ECI API, with its code. */
    static final class EciException extends ComputeException {
        final String code;

        EciException(String action, String code, String message, Throwable cause) {
            super(action + " failed: " + code + ": " + message, cause);
            this.code = code;
        }

        boolean isNotFound() {
            return code.contains("NotFound") || code.contains("NotExist");
        }
    }

    private com.aliyun.teaopenapi.Client client() throws ComputeException {
        if (client == null) {
            synchronized (this) {
                if (client == null) {
                    try {
                        Config c = new Config().setCredential(new com.aliyun.credentials.Client()).setRegionId(config.regionId())
                                .setProtocol(config.protocol()); // ACS3-HMAC-SHA256 (callApi -> doRequest)
                        c.setEndpoint(endpoint);
                        client = new com.aliyun.teaopenapi.Client(c);
                    } catch (Exception e) {
                        // a credential failure names the providers it tried, never a secret
                        throw new ComputeException("cannot create the client of " + endpoint + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        return client;
    }

    /**
     * Calls {@code action} with {@code parameters} (nested lists and maps are flattened the RPC way: {@code Container.1.Name})
     * and returns the answer's body.
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> call(String action, Map<String, Object> parameters) throws ComputeException {
        Params params = new Params().setAction(action).setVersion(version).setProtocol("HTTPS").setPathname("/")
                .setMethod("POST").setAuthType("AK").setStyle("RPC").setReqBodyType("formData").setBodyType("json");
        RuntimeOptions runtime = new RuntimeOptions().setAutoretry(false).setConnectTimeout(10_000).setReadTimeout(30_000);
        int attempt = 0;
        long backoff = config.retryBackoff().toMillis();
        while (true) {
            try {
                OpenApiRequest request = new OpenApiRequest().setQuery(com.aliyun.openapiutil.Client.query(parameters));
                Map<String, ?> answer = client().callApi(params, request, runtime);
                Object body = answer.get("body");
                return body instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            } catch (TeaException e) {
                String code = String.valueOf(e.getCode());
                if (RETRYABLE_PREFIXES.stream().anyMatch(code::startsWith) && attempt < config.maxRetries()) {
                    attempt++;
                    LOG.infof("%s answered %s; retry %d/%d in %d ms", action, code, attempt, config.maxRetries(), backoff);
                    backoff = pause(backoff);
                    continue;
                }
                throw new EciException(action, code, e.getMessage(), e);
            } catch (ComputeException e) {
                throw e;
            } catch (Exception e) {
                if (attempt < config.maxRetries()) {
                    attempt++;
                    LOG.infof("%s failed (%s); retry %d/%d in %d ms", action, e, attempt, config.maxRetries(), backoff);
                    backoff = pause(backoff);
                    continue;
                }
                throw new ComputeException(action + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The container groups of one DescribeContainerGroups answer. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> groups(Map<String, Object> answer) {
        Object groups = answer.get("ContainerGroups");
        return groups instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    private static long pause(long millis) throws ComputeException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComputeException("interrupted");
        }
        return Math.min(millis * 2, 10_000);
    }
}

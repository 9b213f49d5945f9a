package dev.dmsmlflow.network.provider.aliyun;

import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teautil.models.RuntimeOptions;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.provider.ProviderException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * The three Alibaba Cloud SDK clients (ALB, VPC, ECS) and the call discipline around them: credentials from the
 * default credential chain (never from configuration, never logged), retries with backoff on throttling and on
 * "resource busy" answers, and errors turned into {@link ProviderException}s with a saga reason code.
 */
@ApplicationScoped
@Typed(AliyunClients.class)
public class AliyunClients {

    private static final Logger LOG = Logger.getLogger(AliyunClients.class);
    /** Answers that mean "try again shortly". */
    private static final Set<String> RETRYABLE_PREFIXES = Set.of("Throttling", "ServiceUnavailable", "SystemBusy",
            "IncorrectStatus", "Conflict.Lock", "OperationFailed.ResourceGettingUpdated", "InternalError");

    /** A call to the SDK. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws Exception;
    }

    private final NetworkConfig.Aliyun config;
    private volatile com.aliyun.alb20200616.Client alb;
    private volatile com.aliyun.vpc20160428.Client vpc;
    private volatile com.aliyun.ecs20140526.Client ecs;

    @jakarta.inject.Inject
    public AliyunClients(NetworkConfig config) {
        this(config.aliyun());
    }

    /** Clients on explicit settings (tests, tools). */
    public AliyunClients(NetworkConfig.Aliyun config) {
        this.config = config;
    }

    public NetworkConfig.Aliyun config() {
        return config;
    }

    public RuntimeOptions runtime() {
        return new RuntimeOptions().setAutoretry(false).setConnectTimeout(10_000).setReadTimeout(30_000);
    }

    private Config base(String endpoint) throws Exception {
        Config c = new Config()
                .setCredential(new com.aliyun.credentials.Client())
                .setRegionId(config.regionId())
                .setProtocol(config.protocol());
        c.setEndpoint(endpoint);
        return c;
    }

    public com.aliyun.alb20200616.Client alb() throws ProviderException {
        if (alb == null) {
            synchronized (this) {
                if (alb == null) {
                    alb = create(() -> new com.aliyun.alb20200616.Client(base(
                            config.albEndpoint().orElse("alb." + config.regionId() + ".aliyuncs.com"))));
                }
            }
        }
        return alb;
    }

    public com.aliyun.vpc20160428.Client vpc() throws ProviderException {
        if (vpc == null) {
            synchronized (this) {
                if (vpc == null) {
                    vpc = create(() -> new com.aliyun.vpc20160428.Client(base(
                            config.vpcEndpoint().orElse("vpc." + config.regionId() + ".aliyuncs.com"))));
                }
            }
        }
        return vpc;
    }

    public com.aliyun.ecs20140526.Client ecs() throws ProviderException {
        if (ecs == null) {
            synchronized (this) {
                if (ecs == null) {
                    ecs = create(() -> new com.aliyun.ecs20140526.Client(base(
                            config.ecsEndpoint().orElse("ecs." + config.regionId() + ".aliyuncs.com"))));
                }
            }
        }
        return ecs;
    }

    private static <T> T create(Call<T> factory) throws ProviderException {
        try {
            return factory.run();
        } catch (Exception e) {
            // the message of a credential failure names the providers tried, never a secret
            throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "cannot create the Alibaba Cloud client: " + e.getMessage(), e);
        }
    }

    /** Runs {@code call}, retrying throttling and busy answers; other errors become ProviderException. */
    public <T> T call(String action, Call<T> call) throws ProviderException {
        int attempt = 0;
        long backoff = config.retryBackoff().toMillis();
        while (true) {
            try {
                return call.run();
            } catch (TeaException e) {
                String code = String.valueOf(e.getCode());
                if (isRetryable(code) && attempt < config.maxRetries()) {
                    attempt++;
                    LOG.infof("%s answered %s; retry %d/%d in %d ms", action, code, attempt, config.maxRetries(), backoff);
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                    continue;
                }
                throw new AliyunException(action, code, e.getMessage(), e);
            } catch (ProviderException e) {
                throw e;
            } catch (Exception e) {
                if (attempt < config.maxRetries()) {
                    attempt++;
                    LOG.infof("%s failed (%s); retry %d/%d in %d ms", action, e.toString(), attempt, config.maxRetries(), backoff);
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                    continue;
                }
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, action + " failed: " + e.getMessage(), e);
            }
        }
    }

    static boolean isRetryable(String code) {
        return RETRYABLE_PREFIXES.stream().anyMatch(code::startsWith);
    }

    static void sleep(long millis) throws ProviderException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "interrupted");
        }
    }

    /** A ClientToken (at most 64 ASCII characters) that is the same for the same step of the same instance. */
    public static String token(String step, String key) {
        String t = step + "-" + key;
        if (t.length() <= 64 && t.chars().allMatch(ch -> ch > 32 && ch < 127)) {
            return t;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(t.getBytes(StandardCharsets.UTF_8));
            return (step.length() > 20 ? step.substring(0, 20) : step) + "-" + HexFormat.of().formatHex(h).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An error answer of an Alibaba Cloud API, with its code. */
    public static class AliyunException extends ProviderException {
        private final String errorCode;

        AliyunException(String action, String errorCode, String message, Throwable cause) {
            super(codeFor(errorCode), action + " failed: " + errorCode + ": " + message, cause);
            this.errorCode = errorCode;
        }

        public String errorCode() {
            return errorCode;
        }

        public boolean isNotFound() {
            return errorCode.contains("NotFound") || errorCode.contains("NotExist");
        }

        private static NetworkFailureCode codeFor(String code) {
            if (code.contains("QuotaExceeded") || code.startsWith("QuotaExceeded") || code.contains("Quota")) {
                return NetworkFailureCode.LOAD_BALANCER_QUOTA_EXCEEDED;
            }
            return NetworkFailureCode.PROVIDER_ERROR;
        }
    }
}

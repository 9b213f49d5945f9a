package dev.dmsmlflow.billing.application;

import com.aliyun.oss.common.auth.EnvironmentVariableCredentialsProvider;
import dev.dmsmlflow.billing.BillingConfig;
import dev.dmsmlflow.billing.provider.ExportSink;
import dev.dmsmlflow.billing.provider.LocalDirectorySink;
import dev.dmsmlflow.billing.provider.OssSink;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/** The configured export sink ({@code dms.billing.export.sink}: {@code local} or {@code oss}), made on first use. */
@ApplicationScoped
public class ExportSinks {

    private final BillingConfig config;
    private volatile ExportSink sink;

    ExportSinks(BillingConfig config) {
        this.config = config;
    }

    public synchronized ExportSink sink() {
        if (sink == null) {
            BillingConfig.Export e = config.export();
            sink = switch (e.sink()) {
                case "local" -> new LocalDirectorySink(e.directory());
                case "oss" -> {
                    String endpoint = e.oss().endpoint().orElseThrow(() -> new IllegalStateException(
                            "dms.billing.export.oss.endpoint is required for the oss sink"));
                    String bucket = e.oss().bucket().orElseThrow(() -> new IllegalStateException(
                            "dms.billing.export.oss.bucket is required for the oss sink"));
                    yield new OssSink(endpoint, e.oss().region(), bucket, e.oss().prefix(),
                            new EnvironmentVariableCredentialsProvider());
                }
                default -> throw new IllegalStateException("dms.billing.export.sink is local or oss, not " + e.sink());
            };
        }
        return sink;
    }

    @PreDestroy
    void close() {
        if (sink instanceof OssSink oss) {
            oss.close();
        }
    }
}

package dev.dmsmlflow.billing.provider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where finished exports go: a local directory or an OSS bucket. An export's files go to
 * {@code workspace=<ws>/billing_period=<YYYY-MM>/export=<id>/} (partitioned by billing period), its manifest last.
 */
public interface ExportSink {

    /** Puts {@code files} (in {@code dir}) and then {@code manifest} under {@code prefix}; returns the manifest's location URI. */
    String put(String prefix, Path dir, List<String> files, String manifestName) throws IOException;

    /** The partition path of an export. */
    static String prefix(String workspaceId, String period, String exportId) {
        return "workspace=" + workspaceId + "/billing_period=" + period + "/export=" + exportId;
    }
}

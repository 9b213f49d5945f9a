package dev.dmsmlflow.instance.provider.compute.local;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of the local compute provider ({@code dms.compute.local.*}). */
@ConfigMapping(prefix = "dms.compute.local")
public interface LocalComputeConfig {

    /** The tracking-server runnable jar. Environment: {@code DMS_TRACKING_SERVER_JAR}. */
    @WithDefault("${DMS_TRACKING_SERVER_JAR:tracking-server/target/quarkus-app/quarkus-run.jar}")
    String trackingServerJar();

    /** Other tracking-server versions a redeploy may switch to: version -> runnable jar. */
    Map<String, String> versions();

    /** State (pid/port files) and logs of the child processes: {@code <work-dir>/compute/<instance>/}. Environment: {@code DMS_WORK_DIR}. */
    @WithDefault("${DMS_WORK_DIR:.dms}")
    String workDir();

    /** Local directory standing for OSS: {@code oss://bucket/path} maps to {@code <oss-root>/bucket/path}; default {@code <work-dir>/oss}. */
    Optional<String> ossRoot();

    /** Address the tracking servers bind to. */
    @WithDefault("127.0.0.1")
    String host();

    /** How long a new tracking server may take to answer GET /health. */
    @WithDefault("120s")
    Duration healthTimeout();

    /** How long the liveness probe ({@code GET /health/live}) waits for any answer before it counts as failed. */
    @WithDefault("2s")
    Duration livenessTimeout();

    /**
     * The variables of this service's environment a tracking server gets too (those set; never a {@code DMS_} one): the
     * basics a JVM needs. Nothing else of the parent's environment reaches the child.
     */
    @WithDefault("PATH,JAVA_HOME,LANG,LC_ALL,TZ,TMPDIR")
    List<String> passedEnvironment();

    /** Extra JVM options for every tracking server. */
    Optional<List<String>> jvmOptions();

    /** Whether to stop every tracking server when the service shuts down (tests); otherwise they keep running and are adopted on restart. */
    @WithDefault("false")
    boolean stopOnShutdown();
}

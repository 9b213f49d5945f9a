package dev.dmsmlflow.compute;

/**
 * What a tracking server of an instance needs. The database password is never part of {@link #toString()}.
 *
 * @param preferredPort port to reuse (redeploy, restart) or null for any free port
 * @param version tracking-server version to run, or null for the default
 * @param backendAuthDigest SHA-256 of the secret the instance's load balancer adds; the server then serves only it
 */
public record ComputeRequest(String instanceId, String spec, int cpuCores, int memoryGiB, String jdbcUrl,
                             String dbUser, String dbPassword, String ossBucket, String ossPath,
                             Integer preferredPort, String version, String backendAuthDigest) {

    /** Without a backend-auth digest (the tracking server then serves whoever reaches it). */
    public ComputeRequest(String instanceId, String spec, int cpuCores, int memoryGiB, String jdbcUrl, String dbUser,
                          String dbPassword, String ossBucket, String ossPath, Integer preferredPort, String version) {
        this(instanceId, spec, cpuCores, memoryGiB, jdbcUrl, dbUser, dbPassword, ossBucket, ossPath, preferredPort, version, null);
    }

    public ComputeRequest withPreferredPort(Integer port) {
        return new ComputeRequest(instanceId, spec, cpuCores, memoryGiB, jdbcUrl, dbUser, dbPassword, ossBucket, ossPath, port, version, backendAuthDigest);
    }

    @Override
    public String toString() {
        return "ComputeRequest[instance=" + instanceId + ", spec=" + spec + ", db=" + jdbcUrl + ", user=" + dbUser
                + ", password=***, oss=" + ossBucket + "/" + ossPath + ", port=" + preferredPort + ", version=" + version + "]";
    }
}

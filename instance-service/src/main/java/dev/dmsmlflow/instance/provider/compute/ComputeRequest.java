package dev.dmsmlflow.instance.provider.compute;

/**
 * What a tracking server of an instance needs. The database password is never part of {@link #toString()}.
 *
 * @param preferredPort port to reuse (redeploy, restart) or null for any free port
 * @param version tracking-server version to run, or null for the default
 * @param backendAuthDigest SHA-256 of the secret the instance's load balancer adds; the server then serves only it
 * @param vSwitchId the instance's vSwitch (a cloud compute places the server there; the local one ignores it)
 * @param secondaryVSwitchId the instance's second vSwitch, in another zone (a cloud compute may fall back to it)
 * @param securityGroupId the instance's security group (a cloud compute puts the server in it)
 */
public record ComputeRequest(String instanceId, String spec, int cpuCores, int memoryGiB, String jdbcUrl,
                             String dbUser, String dbPassword, String ossBucket, String ossPath,
                             Integer preferredPort, String version, String backendAuthDigest,
                             String vSwitchId, String secondaryVSwitchId, String securityGroupId) {

    /** Without a network placement (the local compute needs none). */
    public ComputeRequest(String instanceId, String spec, int cpuCores, int memoryGiB, String jdbcUrl, String dbUser,
                          String dbPassword, String ossBucket, String ossPath, Integer preferredPort, String version,
                          String backendAuthDigest) {
        this(instanceId, spec, cpuCores, memoryGiB, jdbcUrl, dbUser, dbPassword, ossBucket, ossPath, preferredPort, version,
                backendAuthDigest, null, null, null);
    }

    /** Without a backend-auth digest (the tracking server then serves whoever reaches it). */
    public ComputeRequest(String instanceId, String spec, int cpuCores, int memoryGiB, String jdbcUrl, String dbUser,
                          String dbPassword, String ossBucket, String ossPath, Integer preferredPort, String version) {
        this(instanceId, spec, cpuCores, memoryGiB, jdbcUrl, dbUser, dbPassword, ossBucket, ossPath, preferredPort, version, null);
    }

    public ComputeRequest withPreferredPort(Integer port) {
        return new ComputeRequest(instanceId, spec, cpuCores, memoryGiB, jdbcUrl, dbUser, dbPassword, ossBucket, ossPath, port,
                version, backendAuthDigest, vSwitchId, secondaryVSwitchId, securityGroupId);
    }

    @Override
    public String toString() {
        return "ComputeRequest[instance=" + instanceId + ", spec=" + spec + ", db=" + jdbcUrl + ", user=" + dbUser
                + ", password=***, oss=" + ossBucket + "/" + ossPath + ", port=" + preferredPort + ", version=" + version
                + (vSwitchId == null ? "" : ", vSwitch=" + vSwitchId + ", securityGroup=" + securityGroupId) + "]";
    }
}

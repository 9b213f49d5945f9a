package dev.dmsmlflow.network;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Quotas network-service enforces ({@code dms.quota.*}); reaching one is a 409 {@code …/quota-exceeded}. */
@ConfigMapping(prefix = "dms.quota")
public interface QuotaConfig {

    /**
     * Entries one instance's ACL may hold ({@code ACL_ENTRY_QUOTA}). An Alibaba Cloud ALB ACL holds at most 1,000, so a
     * larger value only helps the local provider.
     */
    @WithDefault("1000")
    int aclEntriesPerInstance();

    /**
     * Entries the ACLs of one workspace's instances (not released) may hold together ({@code ACL_ENTRY_WORKSPACE_QUOTA}):
     * by default ten full ACLs, as a workspace holds ten instances by default.
     */
    @WithDefault("10000")
    int aclEntriesPerWorkspace();
}

package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Body of POST /instances. The shape of each field is declared here (Bean Validation; platform maps a violation to a 400
 * naming the field, with the sentence below as its detail); what needs the catalogue or several fields (spec, authMode,
 * the text and path rules, two different vSwitches) is the domain's {@code CreateInstance.validated}. PATCH checks its
 * values against the same declarations ({@link InstancePatch}).
 * <ul>
 *   <li>name: 1-64 characters, letters, digits, '-' and '_', starting with a letter;</li>
 *   <li>description: at most 256 characters;</li>
 *   <li>the network ids: 1-128 characters of letters, digits, '.', '-' and '_';</li>
 *   <li>ossBucket: 3-63 characters of lowercase letters, digits and '-', not starting or ending with '-';</li>
 *   <li>ossPath: 1-1024 characters (its segments: the domain).</li>
 * </ul>
 */
public record CreateInstanceRequest(
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("name")
        @NotEmpty(message = "name is required.")
        @Pattern(regexp = NAME, message = "name must be 1-64 characters of letters, digits, '-' and '_', starting with a letter.")
        String name,
        @JsonProperty("description")
        @Size(max = MAX_DESCRIPTION, message = "description must be at most " + MAX_DESCRIPTION + " characters.")
        String description,
        @JsonProperty("vpcId")
        @NotEmpty(message = "vpcId" + REQUIRED) @Pattern(regexp = ID, message = "vpcId" + ID_SHAPE)
        String vpcId,
        @JsonProperty("vSwitchId")
        @NotEmpty(message = "vSwitchId" + REQUIRED) @Pattern(regexp = ID, message = "vSwitchId" + ID_SHAPE)
        String vSwitchId,
        @JsonProperty("secondaryVSwitchId")
        @NotEmpty(message = "secondaryVSwitchId" + REQUIRED) @Pattern(regexp = ID, message = "secondaryVSwitchId" + ID_SHAPE)
        String secondaryVSwitchId,
        @JsonProperty("securityGroupId")
        @NotEmpty(message = "securityGroupId" + REQUIRED) @Pattern(regexp = ID, message = "securityGroupId" + ID_SHAPE)
        String securityGroupId,
        @JsonProperty("ossBucket")
        @NotEmpty(message = "ossBucket" + REQUIRED)
        @Pattern(regexp = BUCKET, message = "ossBucket must be 3-63 characters of lowercase letters, digits and '-', and must not"
                + " start or end with '-'.")
        String ossBucket,
        @JsonProperty("ossPath")
        @NotEmpty(message = "ossPath" + REQUIRED)
        @Size(max = MAX_OSS_PATH, message = "ossPath must be at most " + MAX_OSS_PATH + " characters.")
        String ossPath,
        @JsonProperty("spec") String spec,
        @JsonProperty("authMode") String authMode) {

    static final String NAME = "[A-Za-z][A-Za-z0-9_-]{0,63}";
    static final String ID = "[A-Za-z0-9._-]{1,128}";
    static final String BUCKET = "[a-z0-9][a-z0-9-]{1,61}[a-z0-9]";
    static final int MAX_DESCRIPTION = 256;
    static final int MAX_OSS_PATH = 1024;
    private static final String REQUIRED = " is required.";
    private static final String ID_SHAPE = " must be 1-128 characters of letters, digits, '.', '-' and '_'.";

    /** Without an authentication mode (the default, network). */
    public CreateInstanceRequest(String workspaceId, String name, String description, String vpcId, String vSwitchId,
                                 String secondaryVSwitchId, String securityGroupId, String ossBucket, String ossPath, String spec) {
        this(workspaceId, name, description, vpcId, vSwitchId, secondaryVSwitchId, securityGroupId, ossBucket, ossPath, spec, null);
    }
}

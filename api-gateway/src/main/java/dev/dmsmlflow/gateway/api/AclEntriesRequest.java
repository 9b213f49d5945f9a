package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** Body of POST …/instances/{id}/acl/entries: one entry ({@code cidr}, {@code description}) or several ({@code entries}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AclEntriesRequest(
        @Pattern(regexp = Patterns.CIDR) @Schema(description = "An IPv4/IPv6 address or CIDR block to admit.", examples = "10.0.1.0/24") String cidr,
        @Size(max = 256) @Pattern(regexp = Patterns.TEXT) String description,
        @Size(min = 1, max = 1000) List<@NotNull @Valid Entry> entries,
        @Schema(description = "Must be true to add an entry that admits every source (0.0.0.0/0).") Boolean allowAll) {

    /** One entry of a batch. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "AclEntryInput")
    public record Entry(
            @NotNull @Pattern(regexp = Patterns.CIDR) String cidr,
            @Size(max = 256) @Pattern(regexp = Patterns.TEXT) String description) {
    }
}

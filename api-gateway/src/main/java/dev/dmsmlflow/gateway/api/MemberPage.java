package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** One page of members of a workspace; {@code nextPageToken} is absent on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemberPage(
        @Schema(required = true) List<MemberView> items,
        @Schema(description = "Pass as pageToken for the next page; absent on the last page.") String nextPageToken) {

    static MemberPage of(Paging.Slice<MemberView> slice) {
        return new MemberPage(slice.items(), slice.next());
    }
}

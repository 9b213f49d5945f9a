package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** One page of workspaces; {@code nextPageToken} is absent on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkspacePage(
        @Schema(required = true) List<WorkspaceView> items,
        @Schema(description = "Pass as pageToken for the next page; absent on the last page.") String nextPageToken) {

    static WorkspacePage of(Paging.Slice<WorkspaceView> slice) {
        return new WorkspacePage(slice.items(), slice.next());
    }
}

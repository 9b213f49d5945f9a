package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** One page of API keys; {@code nextPageToken} is absent on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKeyPage(
        @Schema(required = true) List<ApiKeyView> items,
        @Schema(description = "Pass as pageToken for the next page; absent on the last page.") String nextPageToken) {

    static ApiKeyPage of(Paging.Slice<ApiKeyView> slice) {
        return new ApiKeyPage(slice.items(), slice.next());
    }
}

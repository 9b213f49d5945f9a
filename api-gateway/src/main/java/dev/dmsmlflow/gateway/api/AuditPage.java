package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** One page of audit entries, newest first; {@code nextPageToken} is absent on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditPage(
        @Schema(required = true) List<AuditEntryView> items,
        @Schema(description = "Pass as pageToken for the next page; absent on the last page.") String nextPageToken) {

    static AuditPage of(Paging.Slice<AuditEntryView> slice) {
        return new AuditPage(slice.items(), slice.next());
    }
}

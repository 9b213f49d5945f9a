package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** One page of GET /instances; {@code nextPageToken} is absent on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstancePage(@JsonProperty("items") List<InstanceView> items,
                           @JsonProperty("nextPageToken") String nextPageToken) {
}

package dev.dmsmlflow.platform.paging;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** One page of a list as every service answers it: {@code nextPageToken} is absent on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Page<T>(@JsonProperty("items") List<T> items, @JsonProperty("nextPageToken") String nextPageToken) {
}

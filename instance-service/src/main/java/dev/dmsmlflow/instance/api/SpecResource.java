package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.instance.domain.Spec;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.List;

/**
 * The spec catalogue an instance may be created with: its compute size and the price SKU its usage is metered under.
 * Like every business call it needs the gateway's service token; the catalogue is the same for every workspace.
 */
@Path("/specs")
@Produces(MediaType.APPLICATION_JSON)
public class SpecResource {

    /** The catalogue, smallest first. */
    @GET
    public SpecList list() {
        List<SpecView> items = new ArrayList<>();
        for (Spec s : Spec.all()) {
            items.add(SpecView.of(s));
        }
        return new SpecList(items);
    }

    /** The catalogue as the API answers it. */
    public record SpecList(@JsonProperty("items") List<SpecView> items) {
    }

    /** One spec as the API shows it. */
    public record SpecView(@JsonProperty("name") String name, @JsonProperty("cpuCores") int cpuCores,
                           @JsonProperty("memoryGiB") int memoryGiB, @JsonProperty("sku") String sku) {
        static SpecView of(Spec s) {
            return new SpecView(s.name(), s.cpuCores(), s.memoryGiB(), s.sku());
        }
    }
}

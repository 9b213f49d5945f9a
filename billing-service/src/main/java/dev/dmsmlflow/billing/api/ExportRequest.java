package dev.dmsmlflow.billing.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * Asks for a FOCUS export of one billing period.
 *
 * @param period  the billing period, {@code YYYY-MM} (a past month or the current one, month to date)
 * @param formats {@code csv} and/or {@code parquet}; both when absent
 */
public record ExportRequest(
        @NotNull @Pattern(regexp = "^[0-9]{4}-(0[1-9]|1[0-2])$", message = "must be a month, YYYY-MM") String period,
        @Size(max = 2) List<@NotNull @Pattern(regexp = "^(csv|parquet)$", message = "must be csv or parquet") String> formats) {
}

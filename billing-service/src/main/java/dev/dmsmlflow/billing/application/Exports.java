package dev.dmsmlflow.billing.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.ExportStatus;
import dev.dmsmlflow.billing.application.export.ExportWriter;
import dev.dmsmlflow.billing.persistence.ExportEntity;
import dev.dmsmlflow.billing.persistence.ExportRepository;
import dev.dmsmlflow.platform.paging.Page;
import dev.dmsmlflow.platform.paging.PageRequest;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** FOCUS exports of a workspace: asked for on demand or by the schedule, written by the {@link ExportWorker}. */
@ApplicationScoped
public class Exports {

    /** What the API shows of an export. */
    public record ExportView(String id, String workspaceId, String period, String status, String trigger, List<String> formats,
                             String requestedBy, Instant requestedAt, Instant startedAt, Instant completedAt, int attempts,
                             String location, Long rowCount, JsonNode manifest, String error) {
    }

    public static final String ON_DEMAND = "ON_DEMAND";
    public static final String SCHEDULE = "SCHEDULE";
    private static final String PAGE_KIND = "exports";

    private final ExportRepository repository;
    private final ExportWorker worker;
    private final ObjectMapper mapper;

    Exports(ExportRepository repository, ExportWorker worker, ObjectMapper mapper) {
        this.repository = repository;
        this.worker = worker;
        this.mapper = mapper;
    }

    /** Asks for an export of a workspace's period (a past or the current month) in {@code formats} (default both). */
    public ExportView request(String workspaceId, YearMonth period, List<String> formats, String trigger, String by, Instant now) {
        if (period.isAfter(BillingPeriods.of(now))) {
            throw ProblemException.invalidField("period", "The billing period " + period + " has not started.");
        }
        List<String> f = formats == null || formats.isEmpty() ? ExportWriter.FORMATS : List.copyOf(new LinkedHashSet<>(formats));
        for (String x : f) {
            if (!ExportWriter.FORMATS.contains(x)) {
                throw ProblemException.invalidField("formats", "formats are " + ExportWriter.FORMATS + ", not " + x + ".");
            }
        }
        ExportView v = create(workspaceId, period, f, trigger, by, now);
        worker.wake();
        return v;
    }

    @Transactional
    ExportView create(String workspaceId, YearMonth period, List<String> formats, String trigger, String by, Instant now) {
        ExportEntity e = new ExportEntity();
        e.id = "exp-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        e.workspaceId = workspaceId;
        e.periodStart = BillingPeriods.firstDay(period);
        e.status = ExportStatus.REQUESTED;
        e.trigger = trigger;
        e.formats = String.join(",", formats);
        e.requestedBy = by;
        e.requestedAt = now;
        repository.persist(e);
        return view(e);
    }

    /** An export of the workspace, or 404. */
    @Transactional
    public ExportView get(String workspaceId, String id) {
        ExportEntity e = repository.findByIdOptional(id).filter(x -> x.workspaceId.equals(workspaceId))
                .orElseThrow(() -> ProblemException.notFound("No export " + id + " in this workspace."));
        return view(e);
    }

    /** A page of the workspace's exports, newest first. */
    @Transactional
    public Page<ExportView> list(String workspaceId, PageRequest page) {
        List<ExportEntity> rows = repository.page(workspaceId, page.after(), page.fetchLimit());
        return page.page(rows, PAGE_KIND, x -> x.id, this::view);
    }

    /** Whether a scheduled export of the period is due: none pending, and none done since its last line item. */
    @Transactional
    public boolean due(String workspaceId, LocalDate periodStart, java.util.function.Predicate<Instant> changedSince) {
        if (repository.pending(workspaceId, periodStart)) {
            return false;
        }
        Optional<ExportEntity> last = repository.lastCompleted(workspaceId, periodStart);
        return last.isEmpty() || changedSince.test(last.get().startedAt);
    }

    ExportView view(ExportEntity e) {
        JsonNode manifest = null;
        if (e.manifest != null) {
            try {
                manifest = mapper.readTree(e.manifest);
            } catch (Exception ignored) {
                // the column only ever holds JSON the worker wrote
            }
        }
        return new ExportView(e.id, e.workspaceId, YearMonth.from(e.periodStart).toString(), e.status.name(), e.trigger,
                Arrays.asList(e.formats.split(",")), e.requestedBy, e.requestedAt, e.startedAt, e.completedAt, e.attempts, e.location,
                e.rowCount, manifest, e.error);
    }
}

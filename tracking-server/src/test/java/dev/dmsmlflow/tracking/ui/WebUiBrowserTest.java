package dev.dmsmlflow.tracking.ui;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Response;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MLflow web UI in real headless Chromium (Debian's {@code chromium}, driven by Playwright for Java;
 * no browser is ever downloaded), through a reverse proxy in front of the server, on the seed's run: the
 * experiments list, the run page with its params and metrics, the metric charts, the logged model's
 * artifacts, compare runs and the registered model with its version, with no failed request and no
 * console error. Skipped (not passed) when no chromium binary exists; the build installs Debian's
 * package when it can (see README).
 */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiBrowserTest {
    private static final Logger LOG = Logger.getLogger(WebUiBrowserTest.class);
    static final Duration TIMEOUT = new Duration(60_000);

    record Duration(double millis) {
    }

    @TestHTTPResource("/")
    URL root;

    Playwright playwright;
    Browser browser;
    ReverseProxy proxy;
    SeedRun seed;
    String missingBrowser;
    String curveRun;
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    void start() throws Exception {
        Path chromium = Paths.get(System.getProperty("dms.chromium", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) {
            missingBrowser = "SKIPPED: no chromium binary at " + chromium
                    + " (apt-get install -y chromium, or -Ddms.chromium=/path/to/chromium): the web UI browser test did not run";
            System.out.println("WebUiBrowserTest " + missingBrowser);
            return;
        }
        Api api = new Api(root.toString());
        seed = SeedRun.create(api);
        // a second run with a metric over steps, so the charts also draw lines from the metric history
        curveRun = api.post("runs/create", Api.obj("experiment_id", seed.experimentId, "run_name", "training-curve",
                "start_time", System.currentTimeMillis())).json().at("/run/info/run_id").asText();
        List<Map<String, Object>> loss = new ArrayList<>();
        for (int step = 0; step < 20; step++) {
            loss.add(Map.of("key", "loss", "value", 1.0 / (step + 1), "timestamp", System.currentTimeMillis(), "step", step));
        }
        api.post("runs/log-batch", Api.obj("run_id", curveRun, "metrics", loss));
        proxy = new ReverseProxy(root.getHost(), root.getPort());
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(chromium).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")));
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private String base() {
        return "http://127.0.0.1:" + proxy.port() + "/";
    }

    private Page open() {
        Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1600, 1000));
        page.setDefaultTimeout(TIMEOUT.millis());
        page.onResponse(r -> checkResponse(r));
        page.onRequestFailed(r -> {
            String err = r.failure();
            // a navigation cancels the UI's pending polls: not a failed answer
            if (err != null && err.contains("ERR_ABORTED")) {
                return;
            }
            record(r.url(), "request failed: " + r.method() + " " + r.url() + " " + err);
        });
        page.onConsoleMessage(m -> {
            if ("error".equals(m.type())) {
                String url = m.location();
                record(url == null ? "" : url, "console error: " + m.text() + " @ " + url);
            }
        });
        page.onPageError(e -> failures.add("page error: " + e));
        return page;
    }

    private void checkResponse(Response r) {
        if (r.status() >= 400) {
            String body = r.request().postData();
            record(r.url(), "HTTP " + r.status() + ": " + r.request().method() + " " + r.url()
                    + (body == null ? "" : " " + body) + " -> " + safeText(r));
        }
    }

    private static String safeText(Response r) {
        try {
            String t = r.text();
            return t == null ? "" : t.substring(0, Math.min(300, t.length()));
        } catch (RuntimeException e) {
            return "";
        }
    }

    private void record(String url, String what) {
        failures.add(what);
    }

    private void go(Page page, String hashPath) {
        page.navigate(base() + "#" + hashPath);
    }

    private static void see(Page page, String text) {
        page.getByText(text, new Page.GetByTextOptions().setExact(false)).first().waitFor();
    }

    private void shot(Page page, String name) {
        try {
            Path dir = Paths.get("target", "ui-screenshots");
            Files.createDirectories(dir);
            page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve(name + ".png")).setFullPage(true));
        } catch (Exception e) {
            LOG.debugf("screenshot %s failed: %s", name, e.getMessage());
        }
    }

    private void step(Page page, String name, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | AssertionError e) {
            shot(page, name + "-failed");
            throw new AssertionError("UI step '" + name + "' failed: " + e.getMessage()
                    + "\nfailed requests / console errors so far: " + failures, e);
        }
        shot(page, name);
    }

    @Test
    void theSeedRunRendersInTheWebUi() {
        Assumptions.assumeTrue(missingBrowser == null, missingBrowser);
        Page page = open();
        step(page, "experiments", () -> {
            page.navigate(base());
            see(page, SeedRun.EXPERIMENT);
        });
        step(page, "experiment-runs", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs");
            see(page, SeedRun.RUN_NAME);
        });
        step(page, "experiment-runs-charts", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs?compareRunsMode=CHART");
            see(page, "accuracy");
            see(page, "loss");
            page.locator(".js-plotly-plot, canvas, svg.main-svg").first().waitFor();
        });
        step(page, "run-overview", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs/" + seed.runId);
            see(page, SeedRun.RUN_NAME);
            for (var p : SeedRun.PARAMS.entrySet()) {
                see(page, p.getKey());
            }
            for (String m : SeedRun.METRICS.keySet()) {
                see(page, m);
            }
            see(page, "RandomForestClassifier");
        });
        step(page, "run-model-metrics", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs/" + seed.runId + "/model-metrics");
            see(page, "accuracy");
            Locator plot = page.locator(".js-plotly-plot, canvas, svg.main-svg").first();
            plot.waitFor();
            assertTrue(plot.boundingBox().width > 50, "the metric chart has a size");
        });
        step(page, "metric-page", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs/" + seed.runId);
            page.getByText("accuracy", new Page.GetByTextOptions().setExact(true)).first().click();
            page.locator(".js-plotly-plot, canvas, svg.main-svg").first().waitFor();
        });
        step(page, "run-artifacts", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs/" + seed.runId + "/artifacts");
            // a run's artifacts page shows its logged model's files
            see(page, "requirements.txt");
            page.getByText("MLmodel", new Page.GetByTextOptions().setExact(true)).first().click();
            see(page, "python_function");
        });
        step(page, "experiment-models", () -> {
            go(page, "/experiments/" + seed.experimentId + "/models");
            see(page, "iris_model");
        });
        step(page, "logged-model", () -> {
            go(page, "/experiments/" + seed.experimentId + "/models/" + seed.modelId);
            see(page, "n_estimators");
            see(page, "accuracy");
        });
        step(page, "logged-model-artifacts", () -> {
            go(page, "/experiments/" + seed.experimentId + "/models/" + seed.modelId + "/artifacts");
            see(page, "MLmodel");
            page.getByText("MLmodel", new Page.GetByTextOptions().setExact(true)).first().click();
            see(page, "python_function");
        });
        step(page, "compare-runs", () -> {
            go(page, "/compare-runs?runs=[%22" + seed.runId + "%22,%22" + curveRun + "%22]&experiments=[%22"
                    + seed.experimentId + "%22]");
            see(page, "n_estimators");
            see(page, "training-curve");
        });
        step(page, "metric-history-page", () -> {
            go(page, "/experiments/" + seed.experimentId + "/runs/" + curveRun + "/model-metrics");
            see(page, "loss");
            page.locator(".js-plotly-plot, canvas, svg.main-svg").first().waitFor();
        });
        // the experiment's other pages, reached as a user does: from the sidebar
        for (String item : List.of("Overview", "Traces", "Sessions", "Judges", "Datasets", "Evaluation runs", "Prompts",
                "Agent versions", "Training runs")) {
            step(page, "experiment-" + item.toLowerCase().replace(' ', '-'), () -> {
                go(page, "/experiments/" + seed.experimentId + "/runs");
                see(page, SeedRun.RUN_NAME);
                page.getByText(item, new Page.GetByTextOptions().setExact(true)).first().click();
                page.waitForTimeout(3000); // let the page's calls land
                see(page, SeedRun.EXPERIMENT);
            });
        }
        // the global pages
        for (String path : List.of("/experiments", "/prompts", "/gateway", "/gateway/api-keys", "/gateway/usage",
                "/gateway/budgets", "/settings", "/settings/llm-connections", "/settings/webhooks")) {
            step(page, "global" + path.replace('/', '-'), () -> {
                go(page, path);
                page.waitForTimeout(3000); // let the page's calls land
            });
        }
        step(page, "registered-models", () -> {
            go(page, "/models");
            see(page, SeedRun.REGISTERED_MODEL);
        });
        step(page, "registered-model", () -> {
            go(page, "/models/" + SeedRun.REGISTERED_MODEL);
            see(page, "Version 1");
        });
        step(page, "model-version", () -> {
            go(page, "/models/" + SeedRun.REGISTERED_MODEL + "/versions/1");
            see(page, SeedRun.RUN_NAME);
        });
        // let the last page's polls land before judging
        page.waitForTimeout(2000);
        page.close();
        assertEquals(List.of(), failures, "failed requests or console errors while walking the UI");
    }
}

package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.dmsmlflow.infra.ServiceKeys;
import dev.dmsmlflow.infra.oidc.FakeIdentityProvider;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.infra.ServiceAccount;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web console in real headless Chromium (Debian's {@code chromium}, driven by Playwright for Java) against the
 * packaged gateway and services (real PostgreSQL, Kafka, load balancer proxies, tracking servers): an owner signs in,
 * creates an instance through the form (a same-zone vSwitch pair and a managed security group refused before submit,
 * an API field error shown next to its field), sees it become RUNNING without reloading, adds an ACL entry, diagnoses,
 * copies the tracking line, opens the instance's MLflow UI, reads keys and audit log, and releases it; starts a notebook
 * session through its form (a bad name refused next to its field), follows its start to RUNNING, stops and deletes it;
 * reads the released instance's usage in the billing charts, a statement's lines and a completed export's files; a
 * viewer sees no button that changes anything; a member of another workspace sees none of it. No
 * Content-Security-Policy violation is allowed. Screenshots of each page go to {@code target/console-screenshots/}. Also measures the console's first load
 * and each page's data time with 200 instances in a workspace (printed; recorded in docs/benchmarks.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {

    static final double TIMEOUT_MS = 60_000;
    static final double SAGA_MS = 180_000;

    Stack stack;
    String base;
    Api.KeyClient admin;
    Playwright playwright;
    Browser browser;
    Path shots;
    /** Workspace A (the admin owns it), its viewer's key; workspace B and its owner's key; the 200-instance workspace. */
    String wsA;
    String viewerKey;
    String wsB;
    String ownerBKey;
    String wsPerf;
    String instanceId;
    String instanceName = "console-" + UUID.randomUUID().toString().substring(0, 6);
    String trackingUri;
    String sessionId;
    String sessionName = "console_nb_" + UUID.randomUUID().toString().substring(0, 6);
    final List<String> policyViolations = Collections.synchronizedList(new ArrayList<>());
    /** The identity provider the gateway trusts (OIDC on): the console's single sign-on goes there. */
    FakeIdentityProvider idp;

    @BeforeAll
    void start() throws Exception {
        Path chromium = Paths.get(System.getProperty("dms.chromium", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(chromium), "SKIPPED: no chromium at " + chromium
                + " (apt-get install -y chromium, or -Ddms.chromium=/path): the console browser test did not run");
        shots = Path.of(System.getProperty("dms.e2e.dir", "target/e2e")).getParent().resolve("console-screenshots");
        Files.createDirectories(shots);
        stack = Stack.start(Path.of(System.getProperty("dms.e2e.dir", "target/e2e"), "console-" + UUID.randomUUID().toString().substring(0, 8)));
        // before the gateway, so that it forwards notebook sessions and billing to them
        stack.startNotebookService(List.of());
        stack.startBilling();
        idp = new FakeIdentityProvider(ServiceKeys.forTests(), "dms-gateway");
        stack.startGateway(List.of("-Ddms.gateway.rate-limit.rate=200", "-Ddms.gateway.rate-limit.burst=400",
                "-Dquarkus.oidc.tenant-enabled=true", "-Dquarkus.oidc.auth-server-url=" + idp.issuer(),
                "-Dquarkus.oidc.client-id=dms-gateway", "-Dquarkus.oidc.token.audience=dms-gateway"));
        base = stack.gatewayUrl;
        String api = base + "/api/v1";
        admin = Api.withKey(stack.bootstrapKey);

        wsA = created(admin.post(api + "/workspaces", Map.of("name", "console-a")), "id");
        String viewer = created(admin.post(api + "/workspaces/" + wsA + "/members", Map.of("displayName", "vera_viewer", "role", "viewer")), "memberId");
        viewerKey = created(admin.post(api + "/workspaces/" + wsA + "/keys", Map.of("memberId", viewer)), "apiKey");
        wsB = created(admin.post(api + "/workspaces", Map.of("name", "console-b")), "id");
        String ownerB = created(admin.post(api + "/workspaces/" + wsB + "/members", Map.of("displayName", "otto_other", "role", "owner")), "memberId");
        ownerBKey = created(admin.post(api + "/workspaces/" + wsB + "/keys", Map.of("memberId", ownerB)), "apiKey");
        wsPerf = created(admin.post(api + "/workspaces", Map.of("name", "console-200")), "id");
        seedInstances(wsPerf, 200);

        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(chromium).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    private static String created(Api.Resp r, String field) {
        assertTrue(r.status() == 201, r.toString());
        return r.text(field);
    }

    /**
     * {@code n} STOPPED instances written straight into instance-service's table: the console and the API read them like
     * any other, and no tracking server or database is started for them (200 real ones would not fit this machine).
     */
    private void seedInstances(String ws, int n) throws Exception {
        String db = ServiceAccount.of(TopicAccess.INSTANCE_SERVICE).orElseThrow().database();
        try (Connection c = stack.pg.connect(db);
             PreparedStatement p = c.prepareStatement("INSERT INTO instance (id, workspace_id, name, description, vpc_id, vswitch_id, "
                     + "secondary_vswitch_id, security_group_id, oss_bucket, oss_path, spec, status, tracking_database, created_at, updated_at) "
                     + "VALUES (?, ?, ?, 'seeded for the console timing', 'vpc-local', 'vsw-local-a', 'vsw-local-b', 'sg-local-basic', "
                     + "'bench-bucket', 'mlflow', 'mlflow.small', 'STOPPED', ?, ?, ?)")) {
            Instant t = Instant.now().minusSeconds(n);
            for (int i = 0; i < n; i++) {
                String id = "mlf-seed" + String.format(Locale.ROOT, "%04d", i) + "-" + UUID.randomUUID().toString().substring(0, 4);
                p.setString(1, id);
                p.setString(2, ws);
                p.setString(3, "seeded-" + i);
                p.setString(4, "mlflow_" + id.replace('-', '_'));
                p.setTimestamp(5, Timestamp.from(t.plusSeconds(i)));
                p.setTimestamp(6, Timestamp.from(t.plusSeconds(i)));
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private Page open(BrowserContext context) {
        Page page = context.newPage();
        page.setDefaultTimeout(TIMEOUT_MS);
        page.onConsoleMessage(m -> {
            if (m.text().contains("Content Security Policy") || m.text().contains("Refused to")) {
                policyViolations.add(m.text());
            }
        });
        return page;
    }

    private BrowserContext context() {
        return browser.newContext(new Browser.NewContextOptions().setViewportSize(1440, 900));
    }

    private void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve(name + ".png")).setFullPage(true));
    }

    private void signIn(Page page, String key) {
        page.navigate(base + "/");
        page.locator("#api-key").fill(key);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        page.waitForSelector("#workspace-switcher");
    }

    private void awaitLoaded(Page page, String name) {
        page.waitForSelector("main[data-loaded='" + name + "']");
    }

    private Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static LocatorAssertions.ContainsTextOptions within(double ms) {
        return new LocatorAssertions.ContainsTextOptions().setTimeout(ms);
    }

    @Test
    @Order(1)
    void anOwnerCreatesAnInstanceThroughTheFormSeesItRunOpensTheAclAndItsMlflowUi() {
        try (BrowserContext context = context()) {
            context.grantPermissions(List.of("clipboard-read", "clipboard-write"));
            Page page = open(context);
            page.navigate(base + "/");
            page.waitForSelector("#api-key");
            shot(page, "01-sign-in");
            page.locator("#api-key").fill("dms_not_a_real_key");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page.locator("#api-key-error")).containsText("not valid");
            signIn(page, stack.bootstrapKey);

            // the switcher lists the admin's workspaces; choose A
            page.locator("#workspace-switcher").selectOption(wsA);
            page.waitForSelector("main[data-loaded=instances][data-ws='" + wsA + "']");
            assertThat(page.locator("h1")).hasText("MLflow instances");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Create instance")).click();
            awaitLoaded(page, "create");

            page.getByLabel("Instance name").fill(instanceName);
            page.getByLabel("Instance description").fill("made in the browser test");
            page.getByLabel("VPC", new Page.GetByLabelOptions().setExact(true)).selectOption("vpc-local");
            page.waitForSelector("select[name=vSwitchId] option[value=vsw-local-a2]", new Page.WaitForSelectorOptions().setState(WaitForSelectorState.ATTACHED));
            page.getByLabel("vSwitch", new Page.GetByLabelOptions().setExact(true)).selectOption("vsw-local-a");
            page.getByLabel("Secondary vSwitch").selectOption("vsw-local-a2");
            page.getByLabel("Security group").selectOption("sg-local-managed");
            page.getByLabel("OSS bucket").fill("Bad_Bucket");
            // refused before submit: same zone, managed group, each next to its field
            assertThat(page.locator("[data-field=secondaryVSwitchId] .error")).containsText("different zone");
            assertThat(page.locator("[data-field=securityGroupId] .error")).containsText("only basic security groups");
            button(page, "Create").click();
            assertThat(page.getByLabel("Secondary vSwitch")).hasAttribute("aria-invalid", "true");
            shot(page, "02-create-refused-same-zone");
            assertEquals(0, admin.get(base + "/api/v1/workspaces/" + wsA + "/instances").json().get("items").size(), "nothing was submitted");

            // fixed network; the bucket is the API's to refuse: its field error lands next to the field
            page.getByLabel("Secondary vSwitch").selectOption("vsw-local-b");
            page.getByLabel("Security group").selectOption("sg-local-basic");
            assertThat(page.locator("[data-field=secondaryVSwitchId] .error")).isHidden();
            button(page, "Create").click();
            assertThat(page.locator("[data-field=ossBucket] .error")).containsText("ossBucket");
            shot(page, "03-create-api-field-error");
            page.getByLabel("OSS bucket").fill("console-bucket");
            button(page, "Create").click();

            // the instance page: status goes to RUNNING by itself
            awaitLoaded(page, "instance");
            instanceId = page.url().substring(page.url().lastIndexOf('/') + 1);
            assertThat(page.locator("[data-testid=status]")).containsText("RUNNING", within(SAGA_MS));
            trackingUri = admin.get(base + "/api/v1/workspaces/" + wsA + "/instances/" + instanceId).text("trackingUri");
            assertTrue(trackingUri != null && trackingUri.startsWith("http://"), trackingUri);
            shot(page, "04-instance-running");

            // diagnosis before any entry: the ACL blocks; a malformed entry is refused; then 127.0.0.1 is admitted
            page.getByLabel("Source address", new Page.GetByLabelOptions().setExact(true)).fill("127.0.0.1");
            button(page, "Diagnose").click();
            assertThat(page.locator("[data-testid=diagnosis]")).containsText("blocked by the acl layer");
            page.getByLabel("Source address or CIDR").fill("300.1.2.3");
            button(page, "Add entry").click();
            assertThat(page.locator("[data-field=cidr] .error")).containsText("IPv4 or IPv6");
            page.getByLabel("Source address or CIDR").fill("127.0.0.1");
            page.getByLabel("Description", new Page.GetByLabelOptions().setExact(true)).fill("browser test");
            button(page, "Add entry").click();
            assertThat(page.locator("tr[data-cidr='127.0.0.1/32']")).containsText("browser test");
            button(page, "Diagnose").click();
            assertThat(page.locator("[data-testid=diagnosis]")).containsText("reaches the instance");
            shot(page, "05-acl-and-diagnosis");

            // VPC Address: the exact line for the mlflow client, copied
            button(page, "VPC Address").click();
            assertThat(page.locator("[data-testid=tracking-line]")).hasText("mlflow.set_tracking_uri(\"" + trackingUri + "\")");
            shot(page, "06-vpc-address");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy the mlflow.set_tracking_uri line")).click();
            assertThat(page.locator("#toast")).containsText("Copied");
            assertEquals("mlflow.set_tracking_uri(\"" + trackingUri + "\")", page.evaluate("navigator.clipboard.readText()"));
            button(page, "Close").click();

            // Open: the instance's MLflow UI through its load balancer (the ACL now admits 127.0.0.1)
            Page ui = context.waitForPage(() -> page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Open the MLflow UI of " + instanceName + " (new tab)")).click());
            ui.waitForLoadState();
            assertTrue(ui.url().startsWith(trackingUri), ui.url());
            ui.getByText("Experiments").first().waitFor();
            shot(ui, "07-mlflow-ui");
            ui.close();

            // in token mode a bare tab would get the load balancer's 401: Open signs the new tab in (a one-time link traded
            // for the instance's cookie) and the UI works with it, its own API calls included
            String self = base + "/api/v1/workspaces/" + wsA + "/instances/" + instanceId;
            String probe = trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1";
            assertEquals(200, admin.patch(self, Map.of("authMode", "token")).status());
            Api.await(() -> Api.get(probe).status() == 401, Duration.ofSeconds(30), "token mode at the load balancer", () -> Api.get(probe));
            page.reload();
            Locator signedOpen = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Open the MLflow UI of " + instanceName + " (new tab)"));
            Page signedUi = context.waitForPage(signedOpen::click);
            signedUi.waitForLoadState();
            assertEquals(trackingUri + "/", signedUi.url().replaceAll("#.*$", ""), "redirected from the sign-in path to the UI");
            signedUi.getByText("Experiments").first().waitFor();
            shot(signedUi, "07a-mlflow-ui-token-mode");
            signedUi.close();
            assertEquals(200, admin.patch(self, Map.of("authMode", "network")).status());
            Api.await(() -> Api.get(probe).status() == 200, Duration.ofSeconds(30), "network mode again", () -> Api.get(probe));

            // Edit: the spec from the catalogue; a bigger one resizes the RUNNING instance (UPDATING, then RUNNING at it)
            button(page, "Edit").click();
            assertThat(page.getByLabel("Specification")).hasValue("mlflow.small");
            assertThat(page.locator("select[name=spec] option")).hasCount(3);
            page.getByLabel("Specification").selectOption("mlflow.medium");
            shot(page, "07b-edit-spec");
            button(page, "Save").click();
            assertThat(page.locator("dl.facts")).containsText("resizing to mlflow.medium", within(SAGA_MS));
            Api.await(() -> "mlflow.medium".equals(admin.get(self).text("spec")) && "RUNNING".equals(admin.get(self).text("status")),
                    Duration.ofMillis((long) SAGA_MS), "the resize to mlflow.medium", () -> admin.get(self).text("status"));
            // the page follows by itself: RUNNING at the new spec, no resize shown any more
            assertThat(page.locator("dl.facts")).not().containsText("resizing", within(SAGA_MS));
            assertThat(page.locator("dl.facts")).containsText("mlflow.medium");
            assertThat(page.locator("[data-testid=status]")).containsText("RUNNING");

            // the list shows it RUNNING too
            page.navigate(base + "/#/ws/" + wsA + "/instances");
            awaitLoaded(page, "instances");
            assertThat(page.locator("tr[data-instance='" + instanceId + "']")).containsText("RUNNING");
            shot(page, "08-instances-list");
        }
    }

    @Test
    @Order(2)
    void anOwnerReadsKeysAndTheAuditLogAndANewSecretIsShownOnlyOnce() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, stack.bootstrapKey);
            page.navigate(base + "/#/ws/" + wsA + "/keys");
            awaitLoaded(page, "keys");
            page.getByLabel("Member").selectOption(new com.microsoft.playwright.options.SelectOption().setLabel("vera_viewer (viewer)"));
            page.getByLabel("Key name").fill("from-the-console");
            button(page, "Issue key").click();
            Locator secret = page.locator("[data-testid=new-secret]");
            assertThat(secret).containsText("dms_");
            String value = secret.textContent();
            shot(page, "09-key-issued-once");
            button(page, "Done").click();
            // the dialog is removed when its close event comes (asynchronous): wait for that, then look at the whole page
            assertThat(page.locator("[data-testid=new-secret]")).hasCount(0);
            assertFalse(page.content().contains(value), "the secret is gone from the page once the dialog closed");
            assertThat(page.locator("table")).containsText("from-the-console");
            shot(page, "10-keys");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Audit log")).click();
            awaitLoaded(page, "audit");
            assertThat(page.locator("table")).containsText("instance.create");
            assertThat(page.locator("table")).containsText("acl.add");
            shot(page, "11-audit-log");
        }
    }

    @Test
    @Order(3)
    void aViewerSeesNoButtonThatChangesAnything() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, viewerKey);
            awaitLoaded(page, "instances");
            assertThat(page.locator("[data-testid=role]")).hasText("viewer");
            assertThat(page.locator("tr[data-instance='" + instanceId + "']")).containsText(instanceName);
            assertEquals(0, page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Create instance")).count());
            assertEquals(0, page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("API keys")).count());
            assertEquals(0, page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Audit log")).count());
            shot(page, "12-viewer-instances");
            page.locator("tr[data-instance='" + instanceId + "'] th a").click();
            awaitLoaded(page, "instance");
            assertThat(page.locator("[data-testid=status]")).containsText("RUNNING");
            for (String mutating : List.of("Edit", "Redeploy", "Stop", "Start", "Release", "Add entry", "Remove 127.0.0.1/32")) {
                assertEquals(0, button(page, mutating).count(), mutating + " is shown to a viewer");
            }
            assertEquals(1, button(page, "VPC Address").count());
            assertEquals(1, button(page, "Diagnose").count());
            shot(page, "13-viewer-instance");
            page.navigate(base + "/#/ws/" + wsA + "/instances/new");
            assertThat(page.locator("main")).containsText("cannot create instances");
        }
    }

    @Test
    @Order(4)
    void aUserSignsInThroughSingleSignOnAndReachesTheWorkspaceAnOwnerAddsThemTo() {
        idp.user = "sso_sam_" + UUID.randomUUID().toString().substring(0, 6);
        try (BrowserContext context = context()) {
            Page page = open(context);
            page.navigate(base + "/");
            page.locator("#sso-sign-in").click(); // the gateway, the identity provider, the gateway's callback, the console
            assertThat(page.locator("h1")).hasText("No workspace", new LocatorAssertions.HasTextOptions()
                    .setTimeout(TIMEOUT_MS));
            assertFalse(page.url().contains("/sso/"), "the one-time hand-off code left the address bar: " + page.url());
            assertEquals("S256", idp.authorizations.get(idp.authorizations.size() - 1).get("code_challenge_method"));
            String memberId = page.locator("main code").textContent().trim();
            shot(page, "16-sso-no-workspace");
            // an owner adds the signed-in user; the same browser tab then reaches the workspace as a viewer
            Api.Resp added = admin.post(base + "/api/v1/workspaces/" + wsA + "/members", Map.of("memberId", memberId, "role", "viewer"));
            assertEquals(201, added.status(), added.toString());
            page.reload();
            awaitLoaded(page, "instances");
            assertThat(page.locator("[data-testid=role]")).hasText("viewer");
            assertEquals(0, page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Create instance")).count());
            shot(page, "17-sso-viewer");
        }
    }

    /** How many times the gateway renewed a console's token at the provider. */
    private long refreshGrants() {
        return idp.tokenRequests.stream().filter(r -> "refresh_token".equals(r.get("grant_type"))).count();
    }

    @Test
    @Order(4)
    void aSingleSignOnIsRenewedBeforeItExpiresAndItsEndSendsBackToSignInSayingWhy() {
        idp.user = "sso_rita_" + UUID.randomUUID().toString().substring(0, 6);
        idp.accessTokenLifetime = Duration.ofSeconds(20);
        try (BrowserContext context = context()) {
            Page page = open(context);
            page.navigate(base + "/");
            page.locator("#sso-sign-in").click();
            assertThat(page.locator("h1")).hasText("No workspace", new LocatorAssertions.HasTextOptions().setTimeout(TIMEOUT_MS));
            long signedIn = System.nanoTime();
            long before = refreshGrants();
            // the refresh token stays at the gateway: the browser holds an HttpOnly, SameSite=Strict cookie for the
            // gateway's sign-in path only, which no script of the page can read
            var session = context.cookies().stream().filter(c -> c.name.equals("dms_sso_session")).findFirst().orElseThrow();
            assertTrue(session.httpOnly && session.path.equals("/api/v1/auth/sso"), session.path);
            assertEquals(com.microsoft.playwright.options.SameSiteAttribute.STRICT, session.sameSite);
            assertFalse(session.secure, "usable on the local http stack");
            assertFalse(String.valueOf(page.evaluate("document.cookie")).contains("dms_sso_session"));
            // the console renews before expiry: two renewals, so the first token (20 s) has run out meanwhile
            page.waitForCondition(() -> refreshGrants() >= before + 2, new Page.WaitForConditionOptions().setTimeout(TIMEOUT_MS));
            assertTrue(Duration.ofNanos(System.nanoTime() - signedIn).toSeconds() >= 15);
            String memberId = page.locator("main code").textContent().trim();
            Api.Resp added = admin.post(base + "/api/v1/workspaces/" + wsA + "/members", Map.of("memberId", memberId, "role", "viewer"));
            assertEquals(201, added.status(), added.toString());
            page.reload(); // on the renewed token, past the first one's expiry: no sign-in page
            awaitLoaded(page, "instances");
            assertThat(page.locator("[data-testid=role]")).hasText("viewer");
            // the provider ends its session: the next renewal is refused and the console says why, not a bare 401
            idp.endSessions();
            assertThat(page.locator("#api-key-error")).containsText("single sign-on session has ended", within(TIMEOUT_MS));
            shot(page, "18-sso-session-ended");
            assertTrue(context.cookies().stream().noneMatch(c -> c.name.equals("dms_sso_session")), "the gateway cleared its cookie");
        } finally {
            idp.accessTokenLifetime = Duration.ofMinutes(5);
        }
    }

    @Test
    @Order(4)
    void aMemberOfAnotherWorkspaceSeesNoneOfIt() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, ownerBKey);
            awaitLoaded(page, "instances");
            List<String> offered = page.locator("#workspace-switcher option").all().stream().map(o -> o.getAttribute("value")).toList();
            assertEquals(List.of(wsB), offered);
            assertEquals(0, page.locator("tr[data-instance]").count());
            shot(page, "14-other-workspace");
            page.navigate(base + "/#/ws/" + wsA + "/instances");
            assertThat(page.locator("h1")).hasText("Workspace not found");
            page.navigate(base + "/#/ws/" + wsB + "/instances/" + instanceId);
            assertThat(page.locator("h1")).hasText("Instance not found");
            assertFalse(page.content().contains(instanceName));
            shot(page, "15-other-workspace-instance-not-found");
        }
    }

    @Test
    @Order(5)
    void firstLoadAndEachPagesDataWith200InstancesInTheWorkspace() {
        try (BrowserContext context = context()) {
            context.addInitScript("sessionStorage.setItem('dms.console.credential', " + quote(stack.bootstrapKey) + ")");
            List<Long> firstLoads = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Page page = open(context);
                long t0 = System.nanoTime();
                page.navigate(base + "/#/ws/" + wsPerf + "/instances");
                awaitLoaded(page, "instances");
                firstLoads.add((System.nanoTime() - t0) / 1_000_000);
                assertEquals(200, page.locator("tr[data-instance]").count());
                if (i == 0) {
                    page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("16-200-instances.png")));
                }
                page.close();
            }
            Page page = open(context);
            page.navigate(base + "/#/ws/" + wsPerf + "/instances");
            awaitLoaded(page, "instances");
            String seeded = page.locator("tr[data-instance]").first().getAttribute("data-instance");
            page.evaluate("window.dmsTimings = []");
            for (int i = 0; i < 20; i++) {
                for (String[] p : new String[][] {{"instances/" + seeded, "instance"}, {"keys", "keys"}, {"audit", "audit"},
                        {"instances/new", "create"}, {"notebooks", "notebooks"}, {"billing", "billing"}, {"instances", "instances"}}) {
                    page.navigate(base + "/#/ws/" + wsPerf + "/" + p[0]);
                    awaitLoaded(page, p[1]);
                }
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> timings = (List<Map<String, Object>>) page.evaluate("window.dmsTimings");
            StringBuilder report = new StringBuilder("ConsoleBrowserIT timings (200 instances in the workspace, load average "
                    + String.format(Locale.ROOT, "%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                    + "): first load ms " + firstLoads + " (median " + percentile(firstLoads, 50) + ")");
            for (String name : List.of("instances", "instance", "keys", "audit", "create", "notebooks", "billing")) {
                List<Long> ms = timings.stream().filter(t -> name.equals(t.get("page"))).map(t -> ((Number) t.get("ms")).longValue()).toList();
                report.append("; ").append(name).append(" data n=").append(ms.size()).append(" p50 ").append(percentile(ms, 50))
                        .append(" p95 ").append(percentile(ms, 95)).append(" ms");
            }
            System.out.println(report);
            page.close();
        }
    }

    @Test
    @Order(6)
    void anOwnerStartsANotebookSessionThroughTheFormFollowsItsStartAndStopsIt() {
        String sessions = base + "/api/v1/workspaces/" + wsA + "/notebook-sessions";
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, stack.bootstrapKey);
            page.navigate(base + "/#/ws/" + wsA + "/instances");
            awaitLoaded(page, "instances");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Notebook sessions")).click();
            awaitLoaded(page, "notebooks");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Create session")).click();
            awaitLoaded(page, "notebook-new");

            // the name's rule is the API's: its 400 lands next to the field and nothing is created
            page.getByLabel("Session name").fill("bad name!");
            page.getByLabel("Image").selectOption("Python3.11:1.1.0-slim");
            page.getByLabel("Specification").selectOption("1C4G");
            page.getByLabel("Environment variables").fill("GREETING=console-secret-" + sessionName);
            button(page, "Create").click();
            assertThat(page.locator("[data-field=name] .error")).containsText("letters, digits and underscores");
            assertThat(page.getByLabel("Session name")).hasAttribute("aria-invalid", "true");
            shot(page, "19-notebook-create-bad-name");
            assertEquals(0, admin.get(sessions).json().path("items").size(), "nothing was created");

            page.getByLabel("Session name").fill(sessionName);
            button(page, "Create").click();
            // created and started from the form: the list shows it starting (with its install step) or already running
            awaitLoaded(page, "notebooks");
            Locator row = page.locator("tr[data-name='" + sessionName + "']");
            page.locator("tr[data-name='" + sessionName + "'] .session-status[data-status=STARTING] .progress[data-phase], "
                    + "tr[data-name='" + sessionName + "'] .session-status[data-status=RUNNING]").first().waitFor();
            sessionId = row.getAttribute("data-session");
            shot(page, "20-notebook-starting");
            assertThat(row.locator(".session-status")).hasAttribute("data-status", "RUNNING", new LocatorAssertions.HasAttributeOptions().setTimeout(SAGA_MS));
            // Open JupyterLab: the console asks for a one-time link and opens it in a new tab, which signs in with the
            // session's cookie (no API key in the tab) and loads JupyterLab, its event socket included
            List<String> jupyterFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
            context.onResponse(r -> {
                if (r.url().contains("/jupyter/") && (r.status() == 401 || r.status() == 403)) {
                    jupyterFailures.add(r.status() + " " + r.request().method() + " " + r.url());
                }
            });
            Page lab = context.waitForPage(() -> page.getByRole(AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Open JupyterLab of " + sessionName + " (new tab)")).click());
            lab.waitForURL("**/workspaces/" + wsA + "/notebook-sessions/" + sessionId + "/jupyter/lab**",
                    new Page.WaitForURLOptions().setTimeout(SAGA_MS));
            // JupyterLab is up once its launcher shows (its scripts, styles and settings came through the gateway)
            try {
                lab.locator(".jp-Launcher").first().waitFor(new Locator.WaitForOptions().setTimeout(SAGA_MS));
            } finally {
                shot(lab, "21a-jupyterlab");
            }
            assertEquals(List.of(), jupyterFailures, "JupyterLab's own requests all pass the gateway with the cookie");
            // Code run over the kernel's socket is NotebookMlflowIT's (a plain WebSocket client through gateway and
            // notebook-service): typing a cell into JupyterLab's editor here ran in the author's runs but not in every run
            // on a busy machine, and a flaky browser step would hide the checks that follow.
            assertTrue(lab.context().cookies(lab.url()).stream().anyMatch(c -> c.name.equals("dms_jupyter") && c.httpOnly),
                    "the tab holds the session's HttpOnly cookie");
            assertEquals(null, lab.evaluate("window.opener"), "JupyterLab's tab cannot reach the console's tab");
            lab.close();
            shot(page, "21-notebook-running");

            // its page: the workspace's instance wired in, the variable masked, the value nowhere on the page
            row.locator("th a").click();
            awaitLoaded(page, "notebook");
            assertThat(page.locator("main")).containsText(trackingUri);
            assertThat(page.locator("main")).containsText("GREETING=");
            assertFalse(page.content().contains("console-secret-"), "the variable's value is not on the page");
            shot(page, "22-notebook-session");
            button(page, "Stop").click();
            assertThat(page.locator("[data-testid=status] .session-status")).hasAttribute("data-status", "STOPPED",
                    new LocatorAssertions.HasAttributeOptions().setTimeout(SAGA_MS));
            assertEquals(1, button(page, "Start").count());
            assertEquals(1, button(page, "Delete").count());
        }
    }

    @Test
    @Order(7)
    void releaseAsksFirstNamingWhatIsDestroyedAndTheConsoleFollowsItToReleased() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, stack.bootstrapKey);
            page.navigate(base + "/#/ws/" + wsA + "/instances/" + instanceId);
            awaitLoaded(page, "instance");
            button(page, "Release").click();
            Locator dialog = page.locator("dialog");
            assertThat(dialog).containsText("tracking database");
            assertThat(dialog).containsText("load balancer");
            shot(page, "17-release-confirmation");
            button(page, "Cancel").click();
            assertThat(page.locator("[data-testid=status]")).containsText("RUNNING");
            button(page, "Release").click();
            button(page, "Release " + instanceName).click();
            assertThat(page.locator("[data-testid=status]")).containsText("RELEASED", within(SAGA_MS));
            shot(page, "18-released");
        }
    }

    @Test
    @Order(8)
    void theBillingPageChartsTheReleasedInstancesUsageAndExportsTheMonth() {
        String period = YearMonth.now(ZoneOffset.UTC).toString();
        String usage = base + "/api/v1/workspaces/" + wsA + "/billing/usage?granularity=month&groupBy=sku,resource&resourceId=" + instanceId;
        // the instance's metered usage crosses Kafka to billing-service; the page is read once it is there: two SKUs, as the
        // first test resized it from mlflow.small to mlflow.medium
        Api.await(() -> admin.get(usage).json().path("items").size() == 2, Duration.ofMillis((long) SAGA_MS), "the instance's usage in billing",
                () -> admin.get(usage));
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, stack.bootstrapKey);
            page.navigate(base + "/#/ws/" + wsA + "/instances");
            awaitLoaded(page, "instances");
            page.evaluate("window.dmsTimings = []");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Billing")).click();
            awaitLoaded(page, "billing");
            assertThat(page.locator("[data-testid=billing-total]")).containsText("CNY");
            Locator perDay = page.locator("figure[data-chart=usage-per-day]");
            assertThat(perDay).hasAttribute("data-drawn", "true");
            assertTrue(Integer.parseInt(perDay.getAttribute("data-points")) >= 1, "a day with usage");
            assertThat(perDay.locator("table")).containsText("MLFLOW-INSTANCE-SMALL");
            assertThat(perDay.locator("table")).containsText("MLFLOW-INSTANCE-MEDIUM");
            assertTrue(barPixels(page, "usage-per-day") > 20, "the usage per day is drawn as bars");
            Locator perResource = page.locator("figure[data-chart=usage-per-resource]");
            assertThat(perResource).hasAttribute("data-drawn", "true");
            // resources by name: the instance's, as it was created in the form
            assertThat(perResource.locator("table")).containsText(instanceName);
            // a short-lived instance may cost less than the rated amounts' precision: the chart shows what the API says
            String costs = base + "/api/v1/workspaces/" + wsA + "/billing/costs?granularity=month&groupBy=resource&resourceId=" + instanceId;
            double cost = 0;
            for (JsonNode item : admin.get(costs).json().path("items")) {
                cost += item.path("cost").asDouble();
            }
            if (cost > 0) {
                assertTrue(barPixels(page, "cost-per-resource") > 20, "the cost per resource is drawn as bars");
            } else {
                assertThat(page.locator("figure[data-chart=cost-per-resource]")).containsText("No resource cost");
            }
            shot(page, "23-billing-charts");

            // the month's statement lines
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Lines of " + period)).click();
            Locator lines = page.locator("table[data-statement='" + period + "']");
            assertThat(lines).containsText("MLFLOW-INSTANCE-SMALL");
            assertThat(lines).containsText(instanceId);
            assertThat(lines).containsText(instanceName);

            // an export of the month: requested here, followed to COMPLETED, its files listed from the manifest
            page.getByLabel("Period", new Page.GetByLabelOptions().setExact(true)).selectOption(period);
            button(page, "Request export").click();
            Locator export = page.locator("tr[data-export]").first();
            assertThat(export.locator("[data-status]")).hasAttribute("data-status", "COMPLETED",
                    new LocatorAssertions.HasAttributeOptions().setTimeout(SAGA_MS));
            assertThat(export).containsText(".csv");
            assertThat(export).containsText(".parquet");
            assertEquals(1, export.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Download the manifest (JSON)")).count());
            shot(page, "24-billing-statement-and-export");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> timings = (List<Map<String, Object>>) page.evaluate("window.dmsTimings");
            System.out.println("ConsoleBrowserIT billing page with data (charts loaded on first use): " + timings);
        }
    }

    @Test
    @Order(9)
    void aViewerSeesNoMutatingButtonOnNotebooksOrBilling() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, viewerKey);
            page.navigate(base + "/#/ws/" + wsA + "/notebooks");
            awaitLoaded(page, "notebooks");
            assertThat(page.locator("tr[data-session='" + sessionId + "']")).containsText("STOPPED");
            assertEquals(0, page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Create session")).count());
            assertEquals(0, page.locator("main button").count(), "no button on the viewer's session list");
            assertEquals(0, page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Open JupyterLab of " + sessionName + " (new tab)")).count());
            shot(page, "25-viewer-notebooks");
            page.locator("tr[data-session='" + sessionId + "'] th a").click();
            awaitLoaded(page, "notebook");
            for (String mutating : List.of("Start", "Stop", "Delete")) {
                assertEquals(0, button(page, mutating).count(), mutating + " is shown to a viewer");
            }
            page.navigate(base + "/#/ws/" + wsA + "/notebooks/new");
            assertThat(page.locator("main")).containsText("cannot create notebook sessions");

            page.navigate(base + "/#/ws/" + wsA + "/billing");
            awaitLoaded(page, "billing");
            assertThat(page.locator("figure[data-chart=usage-per-day]")).hasAttribute("data-drawn", "true");
            assertThat(page.locator("tr[data-export]").first()).containsText("COMPLETED");
            assertEquals(0, button(page, "Request export").count());
            assertEquals(0, page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(Pattern.compile("^Close "))).count());
            shot(page, "26-viewer-billing");
        }
    }

    @Test
    @Order(10)
    void aMemberOfAnotherWorkspaceSeesNoSessionOrBillingOfIt() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, ownerBKey);
            page.navigate(base + "/#/ws/" + wsB + "/notebooks/" + sessionId);
            assertThat(page.locator("h1")).hasText("Session not found");
            assertFalse(page.content().contains(sessionName));
            page.navigate(base + "/#/ws/" + wsB + "/notebooks");
            awaitLoaded(page, "notebooks");
            assertEquals(0, page.locator("tr[data-session]").count());
            page.navigate(base + "/#/ws/" + wsB + "/billing");
            awaitLoaded(page, "billing");
            assertThat(page.locator("figure[data-chart=usage-per-day]")).hasAttribute("data-points", "0");
            assertEquals(0, page.locator("tr[data-export]").count());
            assertFalse(page.content().contains(instanceId));
            shot(page, "27-other-workspace-billing");
            page.navigate(base + "/#/ws/" + wsA + "/billing");
            assertThat(page.locator("h1")).hasText("Workspace not found");
        }
    }

    @Test
    @Order(11)
    void deletingASessionAsksFirstAndRemovesIt() {
        try (BrowserContext context = context()) {
            Page page = open(context);
            signIn(page, stack.bootstrapKey);
            page.navigate(base + "/#/ws/" + wsA + "/notebooks");
            awaitLoaded(page, "notebooks");
            button(page, "Delete " + sessionName).click();
            Locator dialog = page.locator("dialog");
            assertThat(dialog).containsText("temporary storage");
            shot(page, "28-notebook-delete-confirmation");
            button(page, "Cancel").click();
            assertThat(page.locator("tr[data-session='" + sessionId + "']")).containsText("STOPPED");
            button(page, "Delete " + sessionName).click();
            page.locator("dialog").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete " + sessionName)).click();
            assertThat(page.locator("tr[data-session]")).hasCount(0);
            assertEquals(0, admin.get(base + "/api/v1/workspaces/" + wsA + "/notebook-sessions").json().path("items").size());
        }
        assertEquals(List.of(), policyViolations, "Content-Security-Policy violations");
    }

    /** Pixels of the chart's first series colour (#0072B2) on its canvas: bars were drawn, not only axes. */
    private static int barPixels(Page page, String chart) {
        return ((Number) page.evaluate("id => { const c = document.querySelector(`figure[data-chart=${id}] canvas`);"
                + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                + " for (let i = 0; i < d.length; i += 4) if (d[i] === 0 && d[i + 1] === 114 && d[i + 2] === 178 && d[i + 3] === 255) n++;"
                + " return n; }", chart)).intValue();
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
    }
}

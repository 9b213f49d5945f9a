// The public API (/api/v1) as the console calls it: Authorization: Bearer with the key kept in sessionStorage
// (no cookie, so no cross-site request can act as the user), problem+json errors as ApiError.

const KEY = 'dms.console.credential';

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  field?: string;
  code?: string;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
  }
  get status(): number {
    return this.problem.status;
  }
  get field(): string | undefined {
    return this.problem.field;
  }
}

export const credential = {
  get(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set(value: string): void {
    sessionStorage.setItem(KEY, value);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

const SSO = 'dms.console.sso';

/** A credential from single sign-on: when it expires, and whether the gateway can renew it (it keeps a refresh token). */
export interface SsoState {
  expiresAt: number; // epoch ms; 0: the provider did not say
  renewable: boolean;
}

/**
 * Single sign-on's side of the credential. The provider's refresh token never reaches the page: the gateway keeps it and
 * knows this browser by an HttpOnly cookie that only /api/v1/auth/sso receives, so renewing is a same-origin POST there.
 */
export const sso = {
  get(): SsoState | null {
    const raw = sessionStorage.getItem(SSO);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as SsoState;
    } catch {
      return null;
    }
  },
  /** Keeps an access token from the gateway's /auth/sso/token or /auth/sso/refresh as the credential. */
  signedIn(token: { accessToken: string; expiresIn: number; renewable: boolean }): void {
    credential.set(token.accessToken);
    sessionStorage.setItem(SSO, JSON.stringify({
      expiresAt: token.expiresIn > 0 ? Date.now() + token.expiresIn * 1000 : 0,
      renewable: token.renewable,
    } satisfies SsoState));
    scheduleRenewal();
  },
  clear(): void {
    sessionStorage.removeItem(SSO);
    if (renewal !== undefined) clearTimeout(renewal);
    renewal = undefined;
  },
};

let renewal: ReturnType<typeof setTimeout> | undefined;
let renewing: Promise<boolean> | null = null;

/** Asks the gateway for a new access token (once at a time); false when the single sign-on session is over. */
export function renew(): Promise<boolean> {
  renewing ??= (async () => {
    try {
      const res = await fetch('/api/v1/auth/sso/refresh', {
        method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store',
      });
      if (!res.ok) return false;
      sso.signedIn(await res.json());
      return true;
    } catch {
      return false;
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

/** Renews a renewable single sign-on a minute before it expires (halfway for short-lived tokens). */
export function scheduleRenewal(): void {
  if (renewal !== undefined) clearTimeout(renewal);
  renewal = undefined;
  const state = sso.get();
  if (!state?.renewable || !state.expiresAt || !credential.get()) return;
  const left = state.expiresAt - Date.now();
  const wait = Math.max(1000, left > 120_000 ? left - 60_000 : left / 2);
  renewal = setTimeout(() => {
    renewal = undefined;
    void renew().then((ok) => {
      if (!ok) onSessionEnded();
    });
  }, wait);
}

/** Called when a single sign-on can no longer be renewed (or was not renewable and expired). */
let onSessionEnded: () => void = () => {};
export function whenSessionEnded(handler: () => void): void {
  onSessionEnded = handler;
}

/** Signs out: forgets the credential and, after a single sign-on, asks the gateway to forget the refresh token. */
export async function signOut(): Promise<void> {
  const wasSso = sso.get() !== null;
  credential.clear();
  sso.clear();
  if (wasSso) {
    await fetch('/api/v1/auth/sso/logout', { method: 'POST', credentials: 'same-origin', cache: 'no-store' }).catch(() => undefined);
  }
}

/** Called when the gateway answers 401: the credential is gone, revoked or expired. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function call<T>(method: string, path: string, body?: unknown, idempotent = false, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = credential.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // a retried click never creates twice
  if (idempotent) headers['Idempotency-Key'] = crypto.randomUUID();
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const problem: Problem = typeof json === 'object' && json ? (json as Problem) : { status: res.status, detail: text };
    if (!problem.status) problem.status = res.status;
    if (res.status === 401 && token && sso.get()) {
      // a single sign-on token that ran out: renew it once and send the same request again (same Idempotency-Key
      // semantics: a refused call changed nothing); if it cannot be renewed, the user is told why, not shown a bare 401
      if (!retried && sso.get()?.renewable && (await renew())) return call<T>(method, path, body, idempotent, true);
      onSessionEnded();
      throw new ApiError(problem);
    }
    if (res.status === 401) onUnauthorized();
    throw new ApiError(problem);
  }
  return json as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}, true);
export const patch = <T>(path: string, body: unknown) => call<T>('PATCH', path, body);
export const del = <T>(path: string) => call<T>('DELETE', path);

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Every item of a paged list (bounded: at most `maxPages` pages). */
export async function all<T>(path: string, pageSize = 100, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get<Page<T>>(`${path}${sep}pageSize=${pageSize}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
    out.push(...page.items);
    token = page.nextPageToken;
    if (!token) break;
  }
  return out;
}

// ---- what the API answers (the parts the console reads)

export type Role = 'owner' | 'editor' | 'viewer';

export interface Workspace {
  id: string;
  name: string;
  role: Role;
}

export interface Me {
  id: string;
  displayName: string;
  keyId?: string;
  keyWorkspaceId?: string;
  workspaces: Workspace[];
}

export interface Instance {
  id: string;
  workspaceId: string;
  name: string;
  description?: string;
  status: string;
  statusReason?: { code?: string; message?: string };
  vpcId?: string;
  vSwitchId?: string;
  secondaryVSwitchId?: string;
  securityGroupId?: string;
  ossBucket?: string;
  ossPath?: string;
  artifactRoot?: string;
  spec?: string;
  /** How clients authenticate at the load balancer: the ACL alone, or also an MLflow access token. */
  authMode?: 'network' | 'token';
  /** The spec a resize is rolling out (status UPDATING). */
  pendingSpec?: string;
  trackingVersion?: string;
  vpcAddress?: string;
  trackingUri?: string;
  loadBalancerId?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface Vpc {
  id: string;
  cidr?: string;
}

export interface VSwitch {
  id: string;
  vpcId: string;
  zoneId: string;
  cidr?: string;
  availableIpAddressCount: number;
}

export interface SecurityGroup {
  id: string;
  vpcId: string;
  type: string;
  managed: boolean;
  basic: boolean;
}

export interface AclEntry {
  cidr: string;
  description?: string;
  createdAt?: string;
}

export interface Diagnosis {
  instanceId: string;
  source: string;
  admitted: boolean;
  layers: { layer: string; admitted: boolean; reason: string }[];
}

export interface Member {
  memberId: string;
  displayName: string;
  role: Role;
}

export interface ApiKey {
  id: string;
  memberId: string;
  workspaceId?: string;
  name?: string;
  status: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
  apiKey?: string;
}

export interface AuditEntry {
  id: number;
  occurredAt: string;
  requestId: string;
  memberId?: string;
  keyId?: string;
  action: string;
  resourceType: string;
  resourceId?: string;
  outcome: number;
  method: string;
  path: string;
}

// ---- notebook sessions (notebook-service, through the gateway)

export interface NotebookSession {
  id: string;
  workspaceId: string;
  name: string;
  status: string;
  statusReason?: { code?: string; message?: string };
  /** While STARTING or STOPPING: the phase (QUEUED, ENVIRONMENT, PACKAGES, SERVER, STOPPING) and what happens. */
  progress?: { phase: string; message?: string };
  cluster?: string;
  vpcId?: string;
  address?: string;
  image?: string;
  spec?: string;
  developmentMode?: boolean;
  configuration?: string;
  idleReleaseMinutes?: number;
  dataStorage?: string;
  pypiPackages?: string[];
  /** Values come masked from the API; the console never had them after creation. */
  environmentVariables?: Record<string, string>;
  instanceId?: string;
  trackingUri?: string;
  runtime?: { python?: string; pythonNote?: string; limits?: string };
  lastActivityAt?: string;
  runningSince?: string;
  createdBy?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** One entry of the instance spec catalogue (GET /workspaces/{ws}/instance-specs). */
export interface InstanceSpec {
  name: string;
  cpuCores: number;
  memoryGiB: number;
  sku: string;
}

export interface NotebookCatalogue {
  images: { name: string; python: string; libraries: string[]; description?: string }[];
  specs: { name: string; cpus: number; memoryGib: number }[];
  clusters: { id: string; name: string; vpcId: string; subnet: string; shared: boolean }[];
  configurations: { name: string; description?: string; mlflowWiring: boolean }[];
  idleReleaseMinutesDefault: number;
  idleReleaseMinutesMin: number;
  idleReleaseMinutesMax: number;
  limits?: string;
}

export interface NotebookUsage {
  meterId: string;
  resourceType: string;
  unit: string;
  spec?: string;
  windowStart: string;
  windowEnd: string;
  quantity: string;
}

// ---- billing (billing-service, through the gateway). Amounts and quantities are decimal strings or numbers as JSON
// numbers with their scale; the console only displays and charts them.

export type Decimal = number | string;

export interface UsageRow {
  periodStart: string;
  periodEnd: string;
  skuId?: string;
  resourceId?: string;
  /** The resource's display name (the instance's or session's newest name), when it has one. */
  resourceName?: string;
  quantity: Decimal;
  unit?: string;
  lineItems: number;
}

export interface CostRow {
  periodStart: string;
  periodEnd: string;
  skuId?: string;
  resourceId?: string;
  resourceName?: string;
  cost: Decimal;
  lineItems: number;
}

export interface UsageReport {
  from: string;
  to: string;
  granularity: string;
  items: UsageRow[];
}

export interface CostReport {
  from: string;
  to: string;
  granularity: string;
  currency: string;
  items: CostRow[];
  total: Decimal;
}

export interface PeriodSummary {
  period: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  closedAt?: string;
  currency: string;
  total: Decimal;
}

export interface StatementLine {
  skuId: string;
  description?: string;
  priceVersionId?: string;
  unitPrice: Decimal;
  resourceId?: string;
  resourceName?: string;
  resourceType?: string;
  chargeClass?: string;
  quantity: Decimal;
  unit?: string;
  amount: Decimal;
  lineItems: number;
  firstCharge?: string;
  lastCharge?: string;
}

export interface Statement {
  workspaceId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  closedAt?: string;
  currency: string;
  lines: StatementLine[];
  total: Decimal;
}

export interface ExportManifest {
  billingPeriod?: string;
  focusVersion?: string;
  currency?: string;
  rowCount?: number;
  totalBilledCost?: Decimal;
  files?: { path: string; format: string; rows: number; bytes: number; sha256: string }[];
}

export interface BillingExport {
  id: string;
  workspaceId: string;
  period: string;
  status: string;
  trigger?: string;
  formats?: string[];
  requestedBy?: string;
  requestedAt?: string;
  startedAt?: string;
  completedAt?: string;
  attempts?: number;
  /** Where the manifest is (a URI: file:, oss: or http(s):). */
  location?: string;
  rowCount?: number;
  manifest?: ExportManifest;
  error?: string;
}

// Billing of the workspace for one month: usage and cost per day and per resource as charts (with their numbers as
// tables), the statements and a statement's lines, and the FOCUS exports with their files. Editors ask for exports,
// owners close an ended period; viewers read.

import { ApiError, get, post, type BillingExport, type CostReport, type Page, type PeriodSummary, type Statement, type UsageReport } from '../api';
import { barChart } from '../charts';
import { copy, dialog, h, replace, time, toast } from '../dom';
import { explain } from '../errors';
import { field, select, showProblem } from '../form';
import type { Ctx } from '../main';

const POLL_MS = 2000;
const EXPORT_BUSY = new Set(['REQUESTED', 'RUNNING']);

/** The month of a date in UTC, YYYY-MM. */
function monthOf(d: Date): string {
  return d.toISOString().slice(0, 7);
}

function nextMonth(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The days of a month (UTC) as YYYY-MM-DD, up to today for the current month. */
function days(period: string): string[] {
  const out: string[] = [];
  const today = new Date().toISOString().slice(0, 10);
  for (let d = new Date(`${period}-01T00:00:00Z`); monthOf(d) === period; d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    if (day > today) break;
    out.push(day);
  }
  return out;
}

const num = (v: unknown) => Number(v ?? 0);
const money = (v: unknown, currency: string) => `${num(v).toFixed(2)} ${currency}`;
const qty = (v: number) => (Math.round(v * 1e6) / 1e6).toString();

export async function billingPage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const base = `/workspaces/${encodeURIComponent(ctx.ws.id)}/billing`;
  const current = monthOf(new Date());
  let periods: PeriodSummary[] = [];
  const error = h('p', { class: 'error', role: 'alert' });
  const periodSelect = h('select', { id: 'billing-period' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite', 'data-testid': 'billing-total' });
  const charts = h('div', { class: 'charts', 'aria-busy': 'true' });
  const statementsBody = h('tbody');
  const statementLines = h('div', { 'aria-live': 'polite' });
  const exportsBody = h('tbody');
  let destroyers: (() => void)[] = [];
  const blobUrls: string[] = [];
  let stopped = false;
  let timer: number | undefined;
  ctx.onLeave(() => {
    stopped = true;
    window.clearTimeout(timer);
    destroyers.forEach((d) => d());
    blobUrls.forEach((u) => URL.revokeObjectURL(u));
  });

  replace(ctx.main,
    h('div', { class: 'pagehead' }, h('h1', {}, 'Billing'),
      h('div', { class: 'field inline' }, h('label', { for: 'billing-period' }, 'Billing period'), periodSelect)),
    error, summary, charts,
    h('section', { class: 'card', 'aria-labelledby': 'statements-title' },
      h('h2', { id: 'statements-title' }, 'Statements'),
      h('p', { class: 'muted' }, 'One statement per month (UTC). An open month is the month so far; a closed one is final.'),
      h('table', { class: 'grid', 'aria-labelledby': 'statements-title' },
        h('thead', {}, h('tr', {}, ['Period', 'Status', 'Total', 'Closed', ''].map((c) => h('th', { scope: 'col' }, c ? c : h('span', { class: 'visually-hidden' }, 'Operations'))))),
        statementsBody),
      statementLines),
    h('section', { class: 'card', 'aria-labelledby': 'exports-title' },
      h('h2', { id: 'exports-title' }, 'Exports'),
      h('p', { class: 'muted' }, 'FOCUS 1.2 billing data of a month, as CSV and/or Parquet files with a manifest (rows, sizes, SHA-256).'),
      ctx.canEdit ? exportForm() : null,
      h('table', { class: 'grid', 'aria-label': 'Billing exports' },
        h('thead', {}, h('tr', {}, ['Export', 'Period', 'Status', 'Requested', 'Rows', 'Files'].map((c) => h('th', { scope: 'col' }, c)))),
        exportsBody)));

  // ---- charts of one month

  /**
   * The month's usage and cost by day and by resource. Usually two reports (per day, SKU and resource) serve both views;
   * a month with more rows than one report holds (400 naming `to`) is asked in four coarser ones.
   */
  async function reports(range: string): Promise<[UsageReport, CostReport, UsageReport, CostReport]> {
    try {
      const [u, c] = await Promise.all([
        get<UsageReport>(`${base}/usage?${range}&granularity=day&groupBy=sku,resource`),
        get<CostReport>(`${base}/costs?${range}&granularity=day&groupBy=sku,resource`)]);
      return [u, c, u, c];
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 400)) throw e;
    }
    return Promise.all([
      get<UsageReport>(`${base}/usage?${range}&granularity=day&groupBy=sku`),
      get<CostReport>(`${base}/costs?${range}&granularity=day&groupBy=sku`),
      get<UsageReport>(`${base}/usage?${range}&granularity=month&groupBy=sku,resource`),
      get<CostReport>(`${base}/costs?${range}&granularity=month&groupBy=resource`),
    ]);
  }

  async function showMonth(period: string): Promise<void> {
    const range = `from=${period}-01&to=${nextMonth(period)}-01`;
    charts.setAttribute('aria-busy', 'true');
    const [usageDay, costDay, usageRes, costRes] = await reports(range);
    if (stopped || periodSelect.value !== period) return;
    const currency = costDay.currency;
    const info = periods.find((p) => p.period === period);
    replace(summary, `${period}: `, h('strong', {}, money(costDay.total, currency)),
      info?.status === 'CLOSED' ? ' (final statement)' : period === current ? ' so far this month' : '');

    const dayLabels = days(period);
    const skuUnits = new Map<string, string>();
    for (const r of [...usageDay.items, ...usageRes.items]) if (r.skuId) skuUnits.set(r.skuId, r.unit ?? '');
    const skus = [...new Set([...skuUnits.keys(), ...costDay.items.map((r) => r.skuId ?? '')].filter(Boolean))].sort();
    const byDay = <T extends { periodStart: string; skuId?: string }>(rows: T[], value: (r: T) => number, sku: string) =>
      dayLabels.map((d) => rows.filter((r) => r.skuId === sku && r.periodStart.slice(0, 10) === d).reduce((n, r) => n + value(r), 0));
    const resources = [...new Set([...usageRes.items, ...costRes.items].map((r) => r.resourceId ?? '').filter(Boolean))].sort();
    // a resource is shown by its name (the instance's or session's), its id when it has none
    const names = new Map<string, string>();
    for (const r of [...usageRes.items, ...costRes.items]) if (r.resourceId && r.resourceName) names.set(r.resourceId, r.resourceName);
    const resourceLabels = resources.map((id) => names.get(id) ?? id);
    const usageSkus = skus.filter((s) => skuUnits.has(s));
    const label = (sku: string) => `${sku} (${skuUnits.get(sku) || 'units'})`;

    destroyers.forEach((d) => d());
    destroyers = [];
    const made = [
      barChart({
        id: 'cost-per-day', title: `Cost per day (${currency})`, labels: dayLabels.map((d) => d.slice(5)), stacked: true,
        series: skus.map((s) => ({ label: s, values: byDay(costDay.items, (r) => num(r.cost), s) })),
        format: (v) => money(v, currency), summary: `${money(costDay.total, currency)} in ${period}, by SKU.`,
        empty: `No cost in ${period} yet.`,
      }),
      barChart({
        id: 'usage-per-day', title: 'Usage per day', labels: dayLabels.map((d) => d.slice(5)),
        series: usageSkus.map((s) => ({ label: label(s), values: byDay(usageDay.items, (r) => num(r.quantity), s) })),
        format: qty, summary: `quantities of ${usageSkus.length} SKU${usageSkus.length === 1 ? '' : 's'} per day of ${period}.`,
        empty: `No usage in ${period} yet.`,
      }),
      barChart({
        id: 'cost-per-resource', title: `Cost per resource (${currency})`, labels: resourceLabels, horizontal: true,
        series: [{ label: `Cost (${currency})`, values: resources.map((id) => costRes.items.filter((r) => r.resourceId === id).reduce((n, r) => n + num(r.cost), 0)) }],
        format: (v) => money(v, currency), summary: `${resources.length} resource${resources.length === 1 ? '' : 's'} in ${period}.`,
        empty: `No resource cost in ${period} yet.`,
      }),
      barChart({
        id: 'usage-per-resource', title: 'Usage per resource', labels: resourceLabels, horizontal: true,
        series: usageSkus.map((s) => ({ label: label(s), values: resources.map((id) => usageRes.items.filter((r) => r.resourceId === id && r.skuId === s).reduce((n, r) => n + num(r.quantity), 0)) })),
        format: qty, summary: `quantities per resource and SKU in ${period}.`,
        empty: `No resource usage in ${period} yet.`,
      }),
    ];
    destroyers = made.map((m) => m.destroy);
    replace(charts, made.map((m) => m.figure));
    charts.setAttribute('aria-busy', 'false');
  }

  periodSelect.addEventListener('change', () => {
    error.textContent = '';
    showMonth(periodSelect.value).catch((e) => { error.textContent = explain(e, 'billing'); });
  });

  // ---- statements

  const renderStatements = () => {
    replace(statementsBody, periods.length === 0
      ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No billing period with charges yet.'))
      : periods.map((p) => h('tr', { 'data-period': p.period },
        h('th', { scope: 'row' }, p.period), h('td', {}, p.status), h('td', { class: 'num' }, money(p.total, p.currency)), h('td', {}, time(p.closedAt)),
        h('td', {}, h('div', { class: 'ops' },
          h('button', { type: 'button', class: 'secondary small', 'aria-label': `Lines of ${p.period}`, onclick: () => void showStatement(p.period) }, 'Lines'),
          ctx.isOwner && p.status === 'OPEN' && new Date(p.periodEnd).getTime() <= Date.now()
            ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Close ${p.period}`, onclick: () => void closePeriod(p.period) }, 'Close period') : null)))));
  };

  async function showStatement(period: string): Promise<void> {
    try {
      const s = await get<Statement>(`${base}/statements/${period}`);
      replace(statementLines,
        h('h3', { id: 'lines-title' }, `Statement ${s.period} (${s.status.toLowerCase()}): ${money(s.total, s.currency)}`),
        h('table', { class: 'grid', 'aria-labelledby': 'lines-title', 'data-statement': s.period },
          h('thead', {}, h('tr', {}, ['SKU', 'Resource', 'Charge', 'Quantity', 'Unit price', 'Amount', 'Charged'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, s.lines.length === 0 ? h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No lines.'))
            : s.lines.map((l) => h('tr', {},
              h('td', {}, l.skuId, l.description ? h('div', { class: 'muted small' }, l.description) : null),
              h('td', {}, l.resourceName ? [l.resourceName, ' '] : null, l.resourceId ? h('code', { class: l.resourceName ? 'small' : '' }, l.resourceId) : '—',
                l.resourceType ? h('div', { class: 'muted small' }, l.resourceType) : null),
              h('td', {}, l.chargeClass ?? 'Regular'),
              h('td', { class: 'num' }, `${qty(num(l.quantity))} ${l.unit ?? ''}`),
              h('td', { class: 'num' }, `${num(l.unitPrice)} ${s.currency}`),
              h('td', { class: 'num' }, money(l.amount, s.currency)),
              h('td', { class: 'small' }, `${time(l.firstCharge)} – ${time(l.lastCharge)}`)))),
          h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 5 }, 'Total'), h('td', { class: 'num' }, money(s.total, s.currency)), h('td', {})))));
    } catch (e) {
      replace(statementLines, h('p', { class: 'error', role: 'alert' }, explain(e, 'statement')));
    }
  }

  async function closePeriod(period: string): Promise<void> {
    const answer = await dialog(`Close ${period}?`, [
      h('p', {}, `The statement of ${period} becomes final. Usage of ${period} reported later is billed as a correction in the next open month.`),
    ], [{ label: 'Cancel', value: 'cancel' }, { label: `Close ${period}`, value: 'close', danger: true }]);
    if (answer !== 'close') return;
    try {
      await post(`${base}/statements/${period}/close`);
      periods = (await get<{ items: PeriodSummary[] }>(`${base}/statements`)).items;
      renderStatements();
      toast(`${period} closed.`);
    } catch (e) {
      toast(explain(e, 'statement'));
    }
  }

  // ---- exports

  function exportForm(): HTMLElement {
    const months = [current, previousMonth(current), previousMonth(previousMonth(current))];
    const period = field('Period', select(months.map((m) => ({ value: m, label: m }))), 'period');
    const csv = h('input', { type: 'checkbox', id: 'fmt-csv', checked: true });
    const parquet = h('input', { type: 'checkbox', id: 'fmt-parquet', checked: true });
    const formats = h('fieldset', { class: 'formats' }, h('legend', {}, 'Formats'),
      h('label', { for: 'fmt-csv' }, csv, ' CSV'), h('label', { for: 'fmt-parquet' }, parquet, ' Parquet'));
    const formatsError = h('span', { class: 'error', role: 'alert' });
    const general = h('p', { class: 'error', role: 'alert' });
    const submit = h('button', { type: 'submit' }, 'Request export');
    const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Request an export' },
      period.wrap, h('div', { class: 'field' }, formats, formatsError), h('div', { class: 'actions' }, submit), general);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      formatsError.textContent = '';
      const chosen = [csv.checked ? 'csv' : null, parquet.checked ? 'parquet' : null].filter((x): x is string => x !== null);
      if (chosen.length === 0) {
        formatsError.textContent = 'Choose at least one format.';
        csv.focus();
        return;
      }
      submit.disabled = true;
      try {
        const x = await post<BillingExport>(`${base}/exports`, { period: period.control.value, formats: chosen });
        toast(`Export ${x.id} of ${x.period} requested.`);
        await refreshExports();
      } catch (e) {
        showProblem([period], general, e);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  /** Where one file of an export is: its manifest path resolved against the manifest's location. */
  const fileUri = (location: string, path: string) => {
    try {
      return new URL(path, location).toString();
    } catch {
      return `${location.replace(/[^/]*$/, '')}${path}`;
    }
  };

  const fileLink = (uri: string, label: string) => /^https?:/i.test(uri)
    ? h('a', { href: uri, download: '', rel: 'noopener noreferrer' }, label)
    : h('span', { class: 'copyrow small' }, h('code', {}, uri),
      h('button', { type: 'button', class: 'secondary small', 'aria-label': `Copy the location of ${label}`, onclick: async () => toast((await copy(uri)) ? 'Copied.' : 'Copy failed: select the text.') }, 'Copy'));

  const renderExports = (items: BillingExport[]) => {
    blobUrls.splice(0).forEach((u) => URL.revokeObjectURL(u));
    replace(exportsBody, items.length === 0
      ? h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No exports yet.'))
      : items.map((x) => {
        let files: HTMLElement | string = x.error ? h('span', { class: 'blocked' }, x.error) : '—';
        if (x.status === 'COMPLETED' && x.location) {
          const list = h('ul', { class: 'plain files' });
          for (const f of x.manifest?.files ?? []) {
            list.appendChild(h('li', {}, fileLink(fileUri(x.location, f.path), f.path), h('span', { class: 'muted small' }, ` ${f.format}, ${f.rows} rows, ${f.bytes} bytes`)));
          }
          if (x.manifest) {
            const url = URL.createObjectURL(new Blob([JSON.stringify(x.manifest, null, 2)], { type: 'application/json' }));
            blobUrls.push(url);
            list.appendChild(h('li', {}, h('a', { href: url, download: `manifest-${x.id}.json` }, 'Download the manifest (JSON)'),
              h('span', { class: 'muted small' }, ' — also at '), fileLink(x.location, 'manifest.json')));
          }
          files = list;
        }
        return h('tr', { 'data-export': x.id },
          h('th', { scope: 'row' }, h('code', {}, x.id)), h('td', {}, x.period),
          h('td', {}, h('span', { class: `status status-${x.status.toLowerCase()}`, 'data-status': x.status }, EXPORT_BUSY.has(x.status) ? `${x.status}…` : x.status)),
          h('td', {}, time(x.requestedAt)), h('td', { class: 'num' }, x.rowCount ?? '—'), h('td', {}, files));
      }));
  };

  async function refreshExports(): Promise<void> {
    window.clearTimeout(timer);
    const page = await get<Page<BillingExport>>(`${base}/exports?pageSize=20`);
    if (stopped) return;
    renderExports(page.items);
    if (page.items.some((x) => EXPORT_BUSY.has(x.status))) scheduleExports();
  }

  // follows exports that are being written, while the tab is visible
  function scheduleExports(): void {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      if (stopped) return;
      if (document.visibilityState !== 'visible') scheduleExports();
      else refreshExports().catch(() => scheduleExports());
    }, POLL_MS);
  }

  // ---- first load

  // one round trip: the statements, the current month's four reports and the exports all at once
  periodSelect.replaceChildren(h('option', { value: current }, current));
  periodSelect.value = current;
  try {
    await Promise.all([
      get<{ items: PeriodSummary[] }>(`${base}/statements`).then((list) => {
        periods = list.items;
        if (stopped) return;
        const months = [...new Set([current, ...periods.map((p) => p.period)])].sort().reverse();
        periodSelect.replaceChildren(...months.map((m) => h('option', { value: m }, m)));
        periodSelect.value = current;
        renderStatements();
      }),
      showMonth(current),
      refreshExports(),
    ]);
  } catch (e) {
    if (stopped) return;
    error.textContent = `Could not load the billing. ${explain(e, 'billing')}`;
    charts.replaceChildren();
    charts.setAttribute('aria-busy', 'false');
  }
  ctx.loaded('billing', started);
}

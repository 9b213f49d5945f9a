// One notebook session: live status and install progress, its settings (environment variables masked as the API gives
// them), what the runtime used, its metered usage; the operations the caller's role allows.

import { get, type NotebookSession, type NotebookUsage, type Page } from '../api';
import { h, replace, time } from '../dom';
import { explain } from '../errors';
import type { Ctx } from '../main';
import { sessionOps, sessionStatus, sessionsPath } from './notebooks';

const POLL_MS = 2000;
const SETTLED = new Set(['CREATED', 'RUNNING', 'STOPPED', 'FAILED', 'RELEASED']);

export async function notebookPage(ctx: Ctx, id: string): Promise<void> {
  const started = performance.now();
  const path = `${sessionsPath(ctx)}/${encodeURIComponent(id)}`;
  const back = h('a', { href: `#/ws/${ctx.ws.id}/notebooks` }, '← Notebook sessions');
  let session: NotebookSession;
  let usage: NotebookUsage[];
  try {
    [session, usage] = await Promise.all([get<NotebookSession>(path),
      get<Page<NotebookUsage>>(`${path}/usage?pageSize=100`).then((p) => p.items).catch(() => [] as NotebookUsage[])]);
  } catch (e) {
    if (!ctx.alive()) return;
    replace(ctx.main, h('h1', {}, 'Session not found'), h('p', {}, explain(e, 'such session')), back);
    ctx.loaded('notebook', started);
    return;
  }
  if (!ctx.alive()) return;

  const title = h('h1', {});
  const status = h('div', { 'data-testid': 'status' });
  const ops = h('div', { class: 'ops', role: 'group', 'aria-label': 'Operations' });
  const facts = h('dl', { class: 'facts' });
  let stopped = false;

  const render = () => {
    title.textContent = session.name;
    replace(status, sessionStatus(session));
    replace(ops, sessionOps(ctx, session, (next) => {
      if (next === null) {
        location.hash = `#/ws/${ctx.ws.id}/notebooks`;
        return;
      }
      session = next;
      render();
      poll();
    }, false));
    const row = (k: string, v: string | Node | null | undefined) => [h('dt', {}, k), h('dd', {}, v === '' || v === undefined || v === null ? '—' : v)];
    const vars = Object.entries(session.environmentVariables ?? {});
    replace(facts,
      row('Status', status),
      row('Session ID', h('code', {}, session.id)),
      row('Cluster', session.cluster),
      row('VPC', session.vpcId),
      row('Address in the VPC', session.address ? h('code', {}, session.address) : null),
      row('MLflow tracking URI', session.trackingUri ? h('code', {}, session.trackingUri) : 'none (no RUNNING instance in its VPC, or its profile sets none)'),
      row('Image', session.image),
      row('Specification', session.spec),
      row('Development mode', session.developmentMode ? 'on' : 'off'),
      row('Configuration', session.configuration),
      row('Idle release', session.idleReleaseMinutes !== undefined ? `${session.idleReleaseMinutes} minutes` : null),
      row('Data storage', session.dataStorage),
      row('PyPI packages', session.pypiPackages?.length ? session.pypiPackages.join(', ') : null),
      row('Environment variables', vars.length ? h('ul', { class: 'plain' }, vars.map(([k, v]) => h('li', {}, h('code', {}, `${k}=${v}`)))) : null),
      row('Python', session.runtime?.python ? `${session.runtime.python}${session.runtime.pythonNote ? ` (${session.runtime.pythonNote})` : ''}` : null),
      row('Limits', session.runtime?.limits),
      row('Running since', time(session.runningSince)),
      row('Last activity', time(session.lastActivityAt)),
      row('Created', `${time(session.createdAt)}${session.createdBy ? ` by ${session.createdBy}` : ''}`));
  };

  const usageBody = h('tbody');
  replace(usageBody, usage.length === 0
    ? h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'Nothing metered yet: a session is metered per hour while it runs.'))
    : usage.map((u) => h('tr', {}, h('td', {}, time(u.windowStart)), h('td', {}, time(u.windowEnd)), h('td', {}, u.resourceType),
      h('td', { class: 'num' }, `${u.quantity} ${u.unit}`))));

  replace(ctx.main, h('p', {}, back),
    h('div', { class: 'pagehead' }, title, ops),
    h('section', { class: 'card' }, facts),
    h('section', { class: 'card', 'aria-labelledby': 'nb-usage-title' },
      h('h2', { id: 'nb-usage-title' }, 'Metered usage'),
      h('table', { class: 'grid', 'aria-labelledby': 'nb-usage-title' },
        h('thead', {}, h('tr', {}, ['From', 'To', 'Resource', 'Quantity'].map((c) => h('th', { scope: 'col' }, c)))), usageBody)));
  render();
  ctx.loaded('notebook', started);

  let timer: number | undefined;
  function poll(): void {
    window.clearTimeout(timer);
    if (stopped) return;
    timer = window.setTimeout(async () => {
      if (document.visibilityState === 'visible') {
        try {
          const next = await get<NotebookSession>(path);
          if (!stopped && JSON.stringify(next) !== JSON.stringify(session)) {
            session = next;
            render();
          }
        } catch {
          // keep the last state; the next poll tries again
        }
      }
      poll();
    }, SETTLED.has(session.status) ? POLL_MS * 3 : POLL_MS);
  }
  ctx.onLeave(() => { stopped = true; window.clearTimeout(timer); });
  poll();
}

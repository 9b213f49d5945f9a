// Notebook sessions of the workspace: a live list (polled every 2 s while the tab is visible) with the install progress
// of sessions that are starting; Open JupyterLab, Start, Stop and Delete (asked first) for editors and owners.

import { all, del, post, type NotebookSession } from '../api';
import { dialog, h, replace, time, toast } from '../dom';
import { explain } from '../errors';
import type { Ctx } from '../main';
import { statusBadge } from './common';

const POLL_MS = 2000;

/** The phases a start goes through, in order (notebook-service's progress.phase). */
const PHASES: Record<string, string> = {
  QUEUED: 'Waiting for a runtime worker',
  ENVIRONMENT: 'Preparing the Python environment',
  PACKAGES: 'Installing packages',
  SERVER: 'Starting JupyterLab',
};
const ORDER = Object.keys(PHASES);

export function sessionsPath(ctx: Ctx): string {
  return `/workspaces/${encodeURIComponent(ctx.ws.id)}/notebook-sessions`;
}

/** The answer of POST .../jupyter-link: a one-time sign-in link valid about a minute. */
interface JupyterLink {
  sessionId: string;
  url?: string;
  expiresAt: string;
}

/**
 * Opens a RUNNING session's JupyterLab in a new tab (editors only: Jupyter runs code). A tab sends no Authorization
 * header, so the console asks the gateway for a one-time link, which the tab trades for a cookie valid only under the
 * session's JupyterLab path. The tab is opened with noopener: JupyterLab never gets hold of this tab (nor the key in its
 * sessionStorage).
 */
export async function openJupyter(ctx: Ctx, s: NotebookSession): Promise<void> {
  try {
    const link = await post<JupyterLink>(`${sessionsPath(ctx)}/${encodeURIComponent(s.id)}/jupyter-link`);
    if (!link.url || !link.url.startsWith('/api/v1/')) throw new Error('no link');
    const tab = window.open(link.url, '_blank', 'noopener,noreferrer');
    if (tab === null) toast(`JupyterLab of ${s.name} opened in a new tab (if none appeared, allow pop-ups for this site).`);
  } catch (e) {
    toast(explain(e, 'this session'));
  }
}

/** Status, and while the session starts or stops, which step it is at (with a progress bar for the start). */
export function sessionStatus(s: NotebookSession): HTMLElement {
  const p = s.progress;
  const wrap = h('div', { class: 'session-status', 'data-status': s.status }, statusBadge(s.status));
  if (p && s.status === 'STARTING') {
    const step = ORDER.indexOf(p.phase) + 1;
    wrap.appendChild(h('div', { class: 'progress', 'data-phase': p.phase },
      step > 0 ? h('progress', { max: ORDER.length, value: step, 'aria-label': `Start of ${s.name}: step ${step} of ${ORDER.length}` }) : null,
      h('span', { class: 'small' }, step > 0 ? `Step ${step} of ${ORDER.length}: ${PHASES[p.phase]}` : p.phase,
        p.message && p.message.toLowerCase() !== PHASES[p.phase]?.toLowerCase() ? h('span', { class: 'muted' }, ` — ${p.message}`) : null)));
  } else if (p && s.status === 'STOPPING') {
    wrap.appendChild(h('div', { class: 'progress small muted', 'data-phase': p.phase }, p.message ?? 'Stopping'));
  } else if (s.statusReason?.message && (s.status === 'FAILED' || s.status === 'RELEASED')) {
    wrap.appendChild(h('div', { class: 'small muted' }, s.statusReason.message));
  }
  return wrap;
}

/**
 * The operations on one session the caller's role allows; `changed` is called with the session's new state (or null
 * when deleted). Viewers get none: every one of them changes something or runs code.
 */
export function sessionOps(ctx: Ctx, s: NotebookSession, changed: (next: NotebookSession | null) => void, small = true): HTMLElement[] {
  if (!ctx.canEdit) return [];
  const cls = small ? 'secondary small' : 'secondary';
  // in the list each button names its session; on the session's own page the heading does
  const named = (verb: string) => (small ? `${verb} ${s.name}` : undefined);
  const out: HTMLElement[] = [];
  const base = `${sessionsPath(ctx)}/${encodeURIComponent(s.id)}`;
  const act = async (action: 'start' | 'stop', message: string) => {
    try {
      changed(await post<NotebookSession>(`${base}/${action}`));
      toast(message);
    } catch (e) {
      toast(explain(e, 'this session'));
    }
  };
  if (s.status === 'RUNNING') {
    out.push(h('button', { type: 'button', class: cls, 'data-action': 'open-jupyter', 'aria-label': `Open JupyterLab of ${s.name} (new tab)`, onclick: () => void openJupyter(ctx, s) }, 'Open JupyterLab'));
  }
  if (['CREATED', 'STOPPED', 'FAILED', 'RELEASED'].includes(s.status)) {
    out.push(h('button', { type: 'button', class: cls, 'aria-label': named('Start'), onclick: () => void act('start', `Starting ${s.name}.`) }, 'Start'));
  }
  if (s.status === 'STARTING' || s.status === 'RUNNING') {
    out.push(h('button', { type: 'button', class: cls, 'aria-label': named('Stop'), onclick: () => void act('stop', `Stopping ${s.name}: metering stops with it.`) }, 'Stop'));
  }
  if (['CREATED', 'STOPPED', 'FAILED', 'RELEASED'].includes(s.status)) {
    out.push(h('button', {
      type: 'button', class: small ? 'danger small' : 'danger', 'aria-label': named('Delete'),
      onclick: async () => {
        const persistent = s.dataStorage && s.dataStorage !== 'None' ? s.dataStorage : null;
        const answer = await dialog(`Delete ${s.name}?`, [
          h('p', {}, 'Deleting removes the session for good: its Python environment, its settings and its temporary storage.'),
          h('p', {}, persistent ? `Files in its persistent storage ${persistent} stay.` : 'It has no persistent storage: files in its home directory are lost.'),
        ], [{ label: 'Cancel', value: 'cancel' }, { label: `Delete ${s.name}`, value: 'delete', danger: true }]);
        if (answer !== 'delete') return;
        try {
          await del(base);
          toast(`${s.name} deleted.`);
          changed(null);
        } catch (e) {
          toast(explain(e, 'this session'));
        }
      },
    }, 'Delete'));
  }
  return out;
}

export async function notebooksPage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const body = h('tbody');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  replace(ctx.main,
    h('div', { class: 'pagehead' },
      h('h1', {}, 'Notebook sessions'),
      ctx.canEdit ? h('a', { class: 'button', href: `#/ws/${ctx.ws.id}/notebooks/new` }, 'Create session') : null),
    h('div', { class: 'toolbar' }, h('p', { class: 'muted' }, 'JupyterLab sessions with the workspace\'s MLflow tracking URI wired in.'), count),
    error,
    h('table', { class: 'grid', 'aria-label': 'Notebook sessions' },
      h('thead', {}, h('tr', {}, ['Name', 'Status', 'Image', 'Spec', 'Address', 'Created', 'Operations'].map((c) => h('th', { scope: 'col' }, c)))),
      body));

  const rows = new Map<string, { row: HTMLTableRowElement; key: string }>();
  let latest: NotebookSession[] = [];

  const render = () => {
    count.textContent = `${latest.length} session${latest.length === 1 ? '' : 's'}`;
    if (latest.length === 0) {
      rows.clear();
      replace(body, h('tr', {}, h('td', { colspan: 7, class: 'muted' }, ctx.canEdit ? 'No sessions yet: create one.' : 'No sessions.')));
      return;
    }
    if (rows.size === 0) body.replaceChildren();
    const keep = new Set(latest.map((s) => s.id));
    for (const [id, r] of rows) if (!keep.has(id)) { r.row.remove(); rows.delete(id); }
    let previous: HTMLTableRowElement | null = null;
    for (const s of latest) {
      const key = `${s.status}|${s.progress?.phase ?? ''}|${s.progress?.message ?? ''}|${s.name}|${s.address ?? ''}|${s.updatedAt ?? ''}`;
      let r = rows.get(s.id);
      if (!r || r.key !== key) {
        const row = h('tr', { 'data-session': s.id, 'data-name': s.name },
          h('th', { scope: 'row' }, h('a', { href: `#/ws/${ctx.ws.id}/notebooks/${s.id}` }, s.name)),
          h('td', {}, sessionStatus(s)),
          h('td', {}, s.image ?? ''),
          h('td', {}, s.spec ?? ''),
          h('td', {}, s.address ? h('code', {}, s.address) : h('span', { class: 'muted' }, '—')),
          h('td', {}, time(s.createdAt)),
          h('td', {}, h('div', { class: 'ops' }, sessionOps(ctx, s, () => void refresh(false)))));
        if (r) r.row.replaceWith(row);
        r = { row, key };
        rows.set(s.id, r);
      }
      if (previous ? previous.nextSibling !== r.row : body.firstChild !== r.row) {
        if (previous) previous.after(r.row); else body.prepend(r.row);
      }
      previous = r.row;
    }
  };

  let timer: number | undefined;
  let stopped = false;
  async function refresh(first: boolean): Promise<void> {
    window.clearTimeout(timer);
    try {
      latest = await all<NotebookSession>(sessionsPath(ctx));
      if (stopped) return;
      error.textContent = '';
      render();
    } catch (e) {
      if (stopped) return;
      error.textContent = `Could not load the sessions. ${explain(e, 'notebook sessions')}`;
    }
    if (first) ctx.loaded('notebooks', started);
    if (!stopped) timer = window.setTimeout(tick, POLL_MS);
  }
  const tick = () => {
    if (document.visibilityState === 'visible') void refresh(false);
    else timer = window.setTimeout(tick, POLL_MS);
  };
  ctx.onLeave(() => { stopped = true; window.clearTimeout(timer); });
  await refresh(true);
}

// MLflow instances of the workspace: a live list (polled every 2 s while the tab is visible), Open and VPC Address per
// row; Create for editors and owners.

import { all, type Instance } from '../api';
import { h, replace, time } from '../dom';
import type { Ctx } from '../main';
import { openLink, showVpcAddress, statusBadge } from './common';

const POLL_MS = 2000;

export async function instancesPage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const showReleased = h('input', { type: 'checkbox', id: 'show-released' });
  const body = h('tbody');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  replace(ctx.main,
    h('div', { class: 'pagehead' },
      h('h1', {}, 'MLflow instances'),
      ctx.canEdit ? h('a', { class: 'button', href: `#/ws/${ctx.ws.id}/instances/new` }, 'Create instance') : null),
    h('div', { class: 'toolbar' }, h('label', { for: 'show-released' }, showReleased, ' Show released instances'), count),
    error,
    h('table', { class: 'grid', 'aria-label': 'MLflow instances' },
      h('thead', {}, h('tr', {}, ['Name', 'Status', 'VPC address', 'Spec', 'Created', 'Operations'].map((c) => h('th', { scope: 'col' }, c)))),
      body));

  const rows = new Map<string, { row: HTMLTableRowElement; key: string }>();
  let latest: Instance[] = [];

  const render = () => {
    const shown = latest.filter((i) => showReleased.checked || i.status !== 'RELEASED');
    count.textContent = `${shown.length} instance${shown.length === 1 ? '' : 's'}`;
    const keep = new Set(shown.map((i) => i.id));
    for (const [id, r] of rows) if (!keep.has(id)) { r.row.remove(); rows.delete(id); }
    let previous: HTMLTableRowElement | null = null;
    for (const i of shown) {
      const key = `${i.status}|${i.name}|${i.trackingUri ?? ''}|${i.authMode ?? ''}|${i.updatedAt ?? ''}`;
      let r = rows.get(i.id);
      if (!r || r.key !== key) {
        const row = h('tr', { 'data-instance': i.id, 'data-name': i.name },
          h('th', { scope: 'row' }, h('a', { href: `#/ws/${ctx.ws.id}/instances/${i.id}` }, i.name), i.description ? h('div', { class: 'muted small' }, i.description) : null),
          h('td', {}, statusBadge(i.status)),
          h('td', {}, i.trackingUri ? h('code', {}, i.trackingUri) : h('span', { class: 'muted' }, '—')),
          h('td', {}, i.spec ?? ''),
          h('td', {}, time(i.createdAt)),
          h('td', { class: 'ops' },
            openLink(i),
            i.trackingUri ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `VPC address of ${i.name}`, onclick: () => void showVpcAddress(i) }, 'VPC Address') : null,
            h('a', { class: 'button secondary small', href: `#/ws/${ctx.ws.id}/instances/${i.id}`, 'aria-label': `Details of ${i.name}` }, ctx.canEdit ? 'Manage' : 'Details')));
        if (r) r.row.replaceWith(row);
        r = { row, key };
        rows.set(i.id, r);
      }
      // keep the API's order (newest first) without touching rows that did not change
      if (previous ? previous.nextSibling !== r.row : body.firstChild !== r.row) {
        if (previous) previous.after(r.row); else body.prepend(r.row);
      }
      previous = r.row;
    }
  };
  showReleased.addEventListener('change', render);

  let timer: number | undefined;
  let stopped = false;
  const refresh = async (first: boolean) => {
    try {
      latest = await all<Instance>(`/workspaces/${ctx.ws.id}/instances`);
      if (stopped) return;
      error.textContent = '';
      render();
      if (first) ctx.loaded('instances', started);
    } catch (e) {
      error.textContent = `Could not load the instances: ${e instanceof Error ? e.message : e}`;
    }
    if (!stopped) timer = window.setTimeout(tick, POLL_MS);
  };
  const tick = () => {
    if (document.visibilityState === 'visible') void refresh(false);
    else timer = window.setTimeout(tick, POLL_MS);
  };
  ctx.onLeave(() => { stopped = true; window.clearTimeout(timer); });
  await refresh(true);
}

// The workspace's audit log for owners, newest first, 50 at a time.

import { get, type AuditEntry, type Page } from '../api';
import { h, replace, time } from '../dom';
import type { Ctx } from '../main';

export async function auditPage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary' }, 'Older entries');
  let token: string | undefined;
  const load = async () => {
    const page = await get<Page<AuditEntry>>(`/workspaces/${ctx.ws.id}/audit?pageSize=50${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
    token = page.nextPageToken;
    for (const e of page.items) {
      body.appendChild(h('tr', {},
        h('td', {}, time(e.occurredAt)), h('td', {}, h('code', {}, e.memberId ?? '')), h('td', {}, e.action),
        h('td', {}, [e.resourceType, e.resourceId].filter(Boolean).join(' ')),
        h('td', { class: e.outcome >= 400 ? 'blocked' : 'ok' }, String(e.outcome)),
        h('td', {}, h('code', {}, `${e.method} ${e.path}`)), h('td', {}, h('code', {}, e.requestId))));
    }
    more.hidden = !token;
  };
  more.addEventListener('click', () => void load());
  replace(ctx.main, h('h1', {}, 'Audit log'),
    h('p', { class: 'muted' }, 'Every change made in this workspace: who, what, the answer, and the request id.'),
    h('table', { class: 'grid', 'aria-label': 'Audit log' },
      h('thead', {}, h('tr', {}, ['Time', 'Member', 'Action', 'Resource', 'Outcome', 'Request', 'Request id'].map((c) => h('th', { scope: 'col' }, c)))),
      body),
    more);
  await load();
  ctx.loaded('audit', started);
}

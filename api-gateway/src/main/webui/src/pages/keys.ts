// Workspace API keys for owners: list, issue to a member (the secret is shown once, in a dialog, then forgotten),
// revoke.

import { all, del, post, type ApiKey, type Member } from '../api';
import { copy, dialog, h, replace, time, toast } from '../dom';
import { field, input, select, showProblem } from '../form';
import type { Ctx } from '../main';

export async function keysPage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const base = `/workspaces/${ctx.ws.id}`;
  let [keys, members] = await Promise.all([all<ApiKey>(`${base}/keys`), all<Member>(`${base}/members`)]);
  if (!ctx.alive()) return;
  const body = h('tbody');
  const memberName = (id: string) => members.find((m) => m.memberId === id)?.displayName ?? id;

  const render = () => replace(body, keys.length === 0 ? h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No keys.')) : keys.map((k) => h('tr', { 'data-key': k.id },
    h('td', {}, h('code', {}, k.id)), h('td', {}, k.name ?? ''), h('td', {}, memberName(k.memberId)), h('td', {}, k.status),
    h('td', {}, time(k.createdAt)), h('td', {}, k.lastUsedAt ? time(k.lastUsedAt) : 'never'),
    h('td', {}, k.status === 'active' ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Revoke key ${k.id}`, onclick: () => void revoke(k) }, 'Revoke') : null))));

  async function revoke(k: ApiKey): Promise<void> {
    const answer = await dialog(`Revoke key ${k.id}?`, [h('p', {}, `${memberName(k.memberId)} can no longer call the API with it.`)],
      [{ label: 'Cancel', value: 'cancel' }, { label: 'Revoke', value: 'revoke', danger: true }]);
    if (answer !== 'revoke') return;
    try {
      await del(`${base}/keys/${encodeURIComponent(k.id)}`);
      keys = await all<ApiKey>(`${base}/keys`);
      render();
      toast(`Key ${k.id} revoked.`);
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e));
    }
  }

  const member = field('Member', select(members.map((m) => ({ value: m.memberId, label: `${m.displayName} (${m.role})` }))), 'memberId');
  const name = field('Key name', input({ autocomplete: 'off', maxlength: '100' }), 'name', 'Optional: what the key is for.');
  const expires = field('Expires', input({ type: 'date' }), 'expiresAt', 'Optional.');
  const general = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Issue a key' }, member.wrap, name.wrap, expires.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Issue key')), general);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const request: Record<string, string> = { memberId: member.control.value };
    if (name.control.value.trim()) request.name = name.control.value.trim();
    if (expires.control.value) request.expiresAt = new Date(`${expires.control.value}T23:59:59Z`).toISOString();
    try {
      const created = await post<ApiKey>(`${base}/keys`, request);
      const secret = created.apiKey ?? '';
      created.apiKey = undefined;
      name.control.value = '';
      keys = await all<ApiKey>(`${base}/keys`);
      render();
      // the only time the secret is on screen; the dialog is removed from the page when closed
      await dialog('Key issued', [
        h('p', {}, `Give this key to ${memberName(created.memberId)} now: it is shown only once and cannot be read again.`),
        h('div', { class: 'copyrow' }, h('code', { 'data-testid': 'new-secret' }, secret),
          h('button', { type: 'button', class: 'secondary small', onclick: async () => toast((await copy(secret)) ? 'Copied.' : 'Copy failed: select the text.') }, 'Copy')),
      ], [{ label: 'Done', value: 'cancel' }]);
    } catch (e) {
      showProblem([member, name, expires], general, e);
    }
  });

  replace(ctx.main, h('h1', {}, 'API keys'),
    h('p', { class: 'muted' }, 'Keys issued here reach this workspace only. Secrets are shown once, when issued.'),
    h('section', { class: 'card' }, h('h2', {}, 'Issue a key'), form),
    h('table', { class: 'grid', 'aria-label': 'Workspace API keys' },
      h('thead', {}, h('tr', {}, ['Key', 'Name', 'Member', 'Status', 'Created', 'Last used'].map((c) => h('th', { scope: 'col' }, c)),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Operations')))),
      body));
  render();
  ctx.loaded('keys', started);
}

// The console's shell: sign-in, the workspace switcher, the navigation and a hash router (no server routes needed).

import './style.css';
import { credential, get, scheduleRenewal, signOut as forget, sso, whenSessionEnded, whenUnauthorized, type Me, type Role, type Workspace } from './api';
import { h, replace } from './dom';
import { finishSingleSignOn, noticeForSignIn, signInPage } from './pages/signin';
import { instancesPage } from './pages/instances';
import { createInstancePage } from './pages/create';
import { instancePage } from './pages/instance';
import { keysPage } from './pages/keys';
import { auditPage } from './pages/audit';

/** What a page gets: where it renders, who is looking, and a way to stop its timers when left. */
export interface Ctx {
  main: HTMLElement;
  me: Me;
  ws: Workspace;
  role: Role;
  canEdit: boolean;
  isOwner: boolean;
  onLeave(stop: () => void): void;
  /** False once the user went elsewhere: a page that was still loading must not draw over the next one. */
  alive(): boolean;
  /** Records how long the page's data took (ms), for the browser test and for anyone curious (window.dmsTimings). */
  loaded(page: string, startedAt: number): void;
}

declare global {
  interface Window {
    dmsTimings: { page: string; ms: number }[];
  }
}
window.dmsTimings = [];

const main = document.getElementById('main') as HTMLElement;
const top = document.getElementById('top') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;

let me: Me | null = null;
let leaving: (() => void)[] = [];
let generation = 0;

whenUnauthorized(() => {
  credential.clear();
  sso.clear();
  me = null;
  // the sign-in form tells a refused key itself
  if (document.getElementById('api-key')) return;
  if (!location.hash.startsWith('#/signin')) location.hash = '#/signin';
});

// a single sign-on that can no longer be renewed: back to sign-in, saying why (never a bare 401)
whenSessionEnded(() => {
  credential.clear();
  sso.clear();
  me = null;
  noticeForSignIn('Your single sign-on session has ended. Sign in again to continue.');
  if (location.hash.startsWith('#/signin')) void route();
  else location.hash = '#/signin';
});

function signOut(): void {
  me = null;
  void forget().finally(() => {
    location.hash = '#/signin';
  });
}

function header(ws: Workspace | null): void {
  if (!me) {
    replace(top, h('span', { class: 'brand' }, 'DMS MLflow'));
    return;
  }
  const switcher = h('select', { id: 'workspace-switcher', 'aria-label': 'Workspace' },
    me.workspaces.map((w) => h('option', { value: w.id, selected: ws?.id === w.id }, `${w.name} (${w.role})`)));
  switcher.addEventListener('change', () => {
    location.hash = `#/ws/${encodeURIComponent(switcher.value)}/instances`;
  });
  replace(top,
    h('a', { class: 'brand', href: ws ? `#/ws/${ws.id}/instances` : '#/' }, 'DMS MLflow'),
    me.workspaces.length ? h('label', { class: 'switch' }, h('span', { class: 'visually-hidden' }, 'Workspace'), switcher) : null,
    h('span', { class: 'who' }, me.displayName, ws ? h('span', { class: `badge role-${ws.role}`, 'data-testid': 'role' }, ws.role) : null),
    h('button', { class: 'secondary', type: 'button', onclick: signOut }, 'Sign out'));
}

function navigation(ws: Workspace | null, current: string): void {
  if (!ws) {
    replace(nav);
    return;
  }
  const link = (page: string, label: string) =>
    h('li', {}, h('a', { href: `#/ws/${ws.id}/${page}`, 'aria-current': current === page ? 'page' : undefined }, label));
  replace(nav, h('ul', {},
    link('instances', 'MLflow instances'),
    link('notebooks', 'Notebook sessions'),
    link('billing', 'Billing'),
    ws.role === 'owner' ? link('keys', 'API keys') : null,
    ws.role === 'owner' ? link('audit', 'Audit log') : null));
}

async function route(): Promise<void> {
  leaving.forEach((stop) => stop());
  leaving = [];
  const gen = ++generation;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (!credential.get() || parts[0] === 'signin') {
    me = null;
    header(null);
    navigation(null, '');
    const signedIn = async () => {
      me = null;
      if (location.hash === '#/') void route();
      else location.hash = '#/';
    };
    if (parts[0] === 'signin' && parts[1] === 'sso') {
      void finishSingleSignOn(main, parts.slice(2), signedIn);
    } else {
      signInPage(main, signedIn);
    }
    return;
  }
  if (!me) {
    try {
      me = await get<Me>('/me');
    } catch {
      return; // 401 sends to sign-in; other errors leave the message below
    }
    if (gen !== generation) return;
  }
  if (parts[0] !== 'ws' || !parts[1]) {
    const first = me.workspaces[0];
    if (!first) {
      header(null);
      replace(main, h('h1', {}, 'No workspace'), h('p', {}, 'You are not a member of any workspace yet. Ask a workspace owner to add you (your member id: ', h('code', {}, me.id), ').'));
      return;
    }
    location.replace(`#/ws/${first.id}/instances`);
    return;
  }
  const ws = me.workspaces.find((w) => w.id === parts[1]);
  if (!ws) {
    header(null);
    navigation(null, '');
    replace(main, h('h1', {}, 'Workspace not found'), h('p', {}, 'There is no such workspace among yours.'), h('a', { href: '#/' }, 'Go to your workspaces'));
    return;
  }
  const page = parts[2] || 'instances';
  header(ws);
  navigation(ws, page);
  const ctx: Ctx = {
    main, me, ws, role: ws.role,
    canEdit: ws.role === 'owner' || ws.role === 'editor',
    isOwner: ws.role === 'owner',
    onLeave: (stop) => {
      if (gen === generation) leaving.push(stop);
      else stop();
    },
    alive: () => gen === generation,
    loaded: (name, startedAt) => {
      if (gen !== generation) return;
      const ms = Math.round(performance.now() - startedAt);
      window.dmsTimings.push({ page: name, ms });
      main.setAttribute('data-ws', ws.id);
      main.setAttribute('data-loaded', name);
    },
  };
  main.removeAttribute('data-loaded');
  main.removeAttribute('data-ws');
  if (page === 'instances' && parts[3] === 'new') return createInstancePage(ctx);
  if (page === 'instances' && parts[3]) return instancePage(ctx, parts[3]);
  if (page === 'instances') return instancesPage(ctx);
  if (page === 'keys' && ctx.isOwner) return keysPage(ctx);
  if (page === 'audit' && ctx.isOwner) return auditPage(ctx);
  // the notebook and billing pages are loaded on their first visit (the billing page brings the chart library later
  // still), so the first load carries only the shell and the instance pages
  if (page === 'notebooks') {
    const [list, form, one] = await Promise.all([import('./pages/notebooks'), import('./pages/notebook-new'), import('./pages/notebook')]);
    if (!ctx.alive()) return;
    if (parts[3] === 'new') return form.createNotebookPage(ctx);
    if (parts[3]) return one.notebookPage(ctx, parts[3]);
    return list.notebooksPage(ctx);
  }
  if (page === 'billing') {
    const { billingPage } = await import('./pages/billing');
    if (!ctx.alive()) return;
    return billingPage(ctx);
  }
  replace(main, h('h1', {}, 'Not found'), h('p', {}, 'This page does not exist, or your role does not show it.'));
}

window.addEventListener('hashchange', () => void route());
scheduleRenewal(); // after a reload: the tab's single sign-on, if any, keeps being renewed
void route();

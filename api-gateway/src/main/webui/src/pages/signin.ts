// Sign-in with an API key (or, when the gateway has OIDC on, an access token of the identity provider). The credential
// is kept in this tab's sessionStorage only and sent as Authorization: Bearer; it is never shown again.

import { ApiError, credential, get, sso, type Me } from '../api';
import { h, replace } from '../dom';

/** Why a single sign-on came back without a credential, in words (the codes of /api/v1/auth/sso and the provider's). */
const SSO_FAILURES: Record<string, string> = {
  SIGN_IN_EXPIRED: 'The sign-in took too long or was already used. Sign in again.',
  SIGN_IN_OTHER_BROWSER: 'The sign-in was started in another browser or tab profile. Sign in again here.',
  SIGN_IN_REFUSED: 'The identity provider refused the sign-in.',
  SIGN_IN_UNAVAILABLE: 'The identity provider could not be reached. Try again.',
  SIGN_IN_NOT_CONFIGURED: 'Single sign-on is not configured on this gateway.',
  access_denied: 'The identity provider denied access.',
};

/**
 * The last step of single sign-on: the gateway sent the browser here with a one-time hand-off code in the URL fragment
 * (#/signin/sso/<code>, or #/signin/sso/failed/<reason>); it is traded once for the identity provider's access token, which
 * the console then keeps like an API key. The code leaves the address bar and the history at once.
 */
export async function finishSingleSignOn(main: HTMLElement, rest: string[], done: () => void): Promise<void> {
  history.replaceState(null, '', '#/signin');
  const failed = (reason: string) => signInPage(main, done, SSO_FAILURES[reason] ?? `Single sign-on failed (${reason}).`);
  if (rest[0] === 'failed') {
    failed(rest[1] ?? 'unknown');
    return;
  }
  try {
    const res = await fetch('/api/v1/auth/sso/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ handoff: rest[0] ?? '' }),
    });
    if (!res.ok) {
      const problem = await res.json().catch(() => ({}));
      failed(problem.code ?? `HTTP ${res.status}`);
      return;
    }
    sso.signedIn((await res.json()) as { accessToken: string; expiresIn: number; renewable: boolean });
    await get<Me>('/me');
    done();
  } catch (e) {
    credential.clear();
    sso.clear();
    failed(e instanceof ApiError && e.status === 401 ? 'SIGN_IN_REFUSED' : String(e instanceof Error ? e.message : e));
  }
}

/** Said once on the sign-in page that follows (why the user is there again). */
let notice = '';
export function noticeForSignIn(text: string): void {
  notice = text;
}

export function signInPage(main: HTMLElement, done: () => void, message = ''): void {
  if (!message && notice) {
    message = notice;
  }
  notice = '';
  const key = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'api-key-hint api-key-error' });
  const error = h('p', { id: 'api-key-error', class: 'error', role: 'alert' });
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', {}, 'Sign in'),
    h('div', { class: 'field' },
      h('label', { for: 'api-key' }, 'API key'),
      key,
      h('span', { id: 'api-key-hint', class: 'hint' }, 'dms_… (./dms up printed the first one into .dms/bootstrap-api-key). With single sign-on configured, an access token of your identity provider works too. Kept in this browser tab only.')),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')));
  error.textContent = message;
  // single sign-on, when the gateway has an identity provider: a plain link (the gateway sends the browser on)
  void fetch('/api/v1/auth/sso', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .then((sso: { enabled: boolean; loginPath: string | null } | null) => {
      if (sso?.enabled && sso.loginPath && form.isConnected) {
        form.append(h('p', { class: 'sso' }, 'or'),
          h('div', { class: 'actions' }, h('a', { id: 'sso-sign-in', class: 'button', href: sso.loginPath }, 'Sign in with single sign-on')));
      }
    })
    .catch(() => { /* no single sign-on offered */ });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = key.value.trim();
    if (!value) {
      error.textContent = 'Enter an API key.';
      key.focus();
      return;
    }
    sso.clear();
    credential.set(value);
    try {
      await get<Me>('/me');
      key.value = '';
      done();
    } catch (e) {
      credential.clear();
      error.textContent = e instanceof ApiError && e.status === 401 ? 'This key is not valid (unknown, revoked or expired).' : `Sign-in failed: ${e instanceof Error ? e.message : e}`;
      key.setAttribute('aria-invalid', 'true');
      key.focus();
    }
  });
  replace(main, form);
  key.focus();
}

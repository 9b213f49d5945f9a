// Sign-in with an API key (or, when the gateway has OIDC on, an access token of the identity provider). The credential
// is kept in this tab's sessionStorage only and sent as Authorization: Bearer; it is never shown again.

import { ApiError, credential, get, type Me } from '../api';
import { h, replace } from '../dom';

export function signInPage(main: HTMLElement, done: () => void): void {
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
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = key.value.trim();
    if (!value) {
      error.textContent = 'Enter an API key.';
      key.focus();
      return;
    }
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

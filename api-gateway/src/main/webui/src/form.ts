// Form fields with a label, a hint and an error slot tied to the control (aria-describedby / aria-invalid), so the
// API's problem `field` lands next to the field it names.

import { ApiError } from './api';
import { h } from './dom';

export interface Field {
  name: string;
  wrap: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
}

let seq = 0;

export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, name: string, hint?: string): Field {
  const id = `f-${name}-${++seq}`;
  control.id = id;
  control.name = name;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const error = h('span', { class: 'error', id: `${id}-error`, role: 'alert' });
  control.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, label), control, hintEl, error);
  return { name, wrap, control, error };
}

export function setError(f: Field, message: string | null): void {
  f.error.textContent = message ?? '';
  if (message) f.control.setAttribute('aria-invalid', 'true');
  else f.control.removeAttribute('aria-invalid');
}

/** Shows a problem next to the field it names (else in `general`); returns the field shown, for focus. */
export function showProblem(fields: Field[], general: HTMLElement, e: unknown): Field | null {
  fields.forEach((f) => setError(f, null));
  general.textContent = '';
  if (e instanceof ApiError) {
    const name = e.field?.replace(/^body\./, '').replace(/^.*\./, '');
    const f = name ? fields.find((x) => x.name === name) : undefined;
    if (f) {
      setError(f, e.message);
      f.control.focus();
      return f;
    }
    general.textContent = e.message;
  } else {
    general.textContent = e instanceof Error ? e.message : String(e);
  }
  return null;
}

export function input(attrs: Record<string, string | boolean> = {}): HTMLInputElement {
  return h('input', { type: 'text', ...attrs });
}

export function select(options: { value: string; label: string; disabled?: boolean }[], attrs: Record<string, string | boolean> = {}): HTMLSelectElement {
  return h('select', attrs, options.map((o) => h('option', { value: o.value, disabled: o.disabled }, o.label)));
}

// A few DOM helpers. Text is always set as text (never parsed as HTML), so nothing the API answers can inject markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value as EventListener);
    } else if (name === 'class') {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c === null || c === undefined || c === false) continue;
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

let toastTimer: number | undefined;
/** A short message read out by screen readers (role=status). */
export function toast(message: string): void {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = message;
  t.classList.add('shown');
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => t.classList.remove('shown'), 4000);
}

/** A modal dialog (native <dialog>: focus is trapped, Escape closes); resolves with the button's value. */
export function dialog(title: string, body: (Child | Child[])[], buttons: { label: string; value: string; danger?: boolean }[]): Promise<string> {
  return new Promise((resolve) => {
    const d = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title),
      h('div', { class: 'dialog-body' }, ...body),
      h('form', { method: 'dialog', class: 'actions' },
        buttons.map((b) => h('button', { value: b.value, class: b.danger ? 'danger' : b.value === 'cancel' ? 'secondary' : '' }, b.label))));
    d.addEventListener('close', () => {
      resolve(d.returnValue || 'cancel');
      d.remove();
    });
    document.body.appendChild(d);
    d.showModal();
  });
}

export async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function time(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString();
}

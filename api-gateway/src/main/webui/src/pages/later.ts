// A place kept for a service that has no public API on main yet (notebooks, billing).

import type { Ctx } from '../main';
import { h, replace } from '../dom';

export function laterPage(ctx: Ctx, title: string, text: string): void {
  replace(ctx.main, h('h1', {}, title), h('p', { class: 'card muted' }, text));
  ctx.loaded(title.toLowerCase(), performance.now());
}

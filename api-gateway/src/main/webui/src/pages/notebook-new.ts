// Create a notebook session with every parameter of the seed's form. Images, specifications, clusters, profiles and
// the idle bounds come from the workspace's catalogue; the rules of names, packages, variables and storage are the
// API's, and its field errors appear next to their field. Environment variable values are secrets: they leave the page
// with the request and are never shown again (the API answers them masked).

import { post, get, type NotebookCatalogue, type NotebookSession } from '../api';
import { h, replace, toast } from '../dom';
import { explain } from '../errors';
import { field, input, select, setError, showProblem, type Field } from '../form';
import type { Ctx } from '../main';
import { sessionsPath } from './notebooks';

export async function createNotebookPage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const back = h('a', { href: `#/ws/${ctx.ws.id}/notebooks` }, '← Notebook sessions');
  if (!ctx.canEdit) {
    replace(ctx.main, h('h1', {}, 'Create a notebook session'), h('p', {}, 'Your role (viewer) cannot create notebook sessions.'), back);
    ctx.loaded('notebook-new', started);
    return;
  }
  let cat: NotebookCatalogue;
  try {
    cat = await get<NotebookCatalogue>(`${sessionsPath(ctx)}/catalogue`);
  } catch (e) {
    if (!ctx.alive()) return;
    replace(ctx.main, h('h1', {}, 'Create a notebook session'), h('p', { class: 'error', role: 'alert' }, explain(e, 'notebook catalogue')), back);
    ctx.loaded('notebook-new', started);
    return;
  }
  if (!ctx.alive()) return;

  const name = field('Session name', input({ required: true, autocomplete: 'off', maxlength: '64', spellcheck: 'false' }), 'name',
    'Letters, digits and underscores, at most 64; unique in the workspace. Example: new_session_20250401');
  const cluster = field('Cluster', select(cat.clusters.map((c) => ({ value: c.id, label: `${c.name} (${c.vpcId}, notebook subnet ${c.subnet})` }))), 'cluster',
    'Sessions reach the MLflow instances of their cluster\'s VPC only.');
  const image = field('Image', select(cat.images.map((i) => ({ value: i.name, label: `${i.name} — Python ${i.python}` }))), 'image');
  const imageInfo = h('span', { class: 'hint', 'aria-live': 'polite' });
  image.wrap.insertBefore(imageInfo, image.error);
  const spec = field('Specification', select(cat.specs.map((s) => ({ value: s.name, label: `${s.name} — ${s.cpus} vCPU, ${s.memoryGib} GiB` }))), 'spec',
    'CPU cores and memory; metered per vCPU-hour and GiB-hour while the session runs.');
  const dev = field('Development mode', h('input', { type: 'checkbox' }), 'developmentMode',
    'Reloads changed modules in the kernel before each cell (autoreload).');
  dev.wrap.classList.add('check');
  const profile = field('Configuration', select(cat.configurations.map((p) => ({ value: p.name, label: p.name }))), 'configuration');
  const profileInfo = h('span', { class: 'hint', 'aria-live': 'polite' });
  profile.wrap.insertBefore(profileInfo, profile.error);
  const idle = field('Idle release (minutes)', input({ type: 'number', inputmode: 'numeric', min: String(cat.idleReleaseMinutesMin), max: String(cat.idleReleaseMinutesMax), step: '1', value: String(cat.idleReleaseMinutesDefault) }), 'idleReleaseMinutes',
    `A session idle this long is released (${cat.idleReleaseMinutesMin}–${cat.idleReleaseMinutesMax}; default ${cat.idleReleaseMinutesDefault}).`);
  const storage = field('Data storage', input({ autocomplete: 'off', spellcheck: 'false', value: 'None' }), 'dataStorage',
    'None (temporary: wiped at every start), oss://bucket/path or nas://filesystem/path (kept across restarts and deletion).');
  const packages = field('PyPI packages', h('textarea', { rows: 2, spellcheck: 'false', autocomplete: 'off' }), 'pypiPackages',
    'Comma-separated requirements (PEP 508). Example: dashscope, pandas==2.1.0');
  const env = field('Environment variables', h('textarea', { rows: 3, spellcheck: 'false', autocomplete: 'off', 'data-secret': 'true' }), 'environmentVariables',
    'KEY=VALUE, one per line or separated by semicolons. Values are secrets: once the session exists they are only shown masked.');
  const startNow = h('input', { type: 'checkbox', id: 'start-now', checked: true });
  const fields: Field[] = [name, cluster, image, spec, dev, profile, idle, storage, packages, env];
  const general = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Create');

  const describe = () => {
    const i = cat.images.find((x) => x.name === image.control.value);
    imageInfo.textContent = i ? `${i.description ?? ''}${i.libraries.length ? ` Preinstalled: ${i.libraries.join(', ')}.` : ''}` : '';
    const p = cat.configurations.find((x) => x.name === profile.control.value);
    profileInfo.textContent = p ? `${p.description ?? ''}${p.mlflowWiring ? '' : ' No MLflow tracking URI is set.'}` : '';
  };
  image.control.addEventListener('change', describe);
  profile.control.addEventListener('change', describe);
  if (cat.clusters.some((c) => c.id === 'default')) cluster.control.value = 'default';
  if (cat.configurations.some((c) => c.name === 'default_profile')) profile.control.value = 'default_profile';
  describe();

  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'nb-create-title' },
    h('h1', { id: 'nb-create-title' }, 'Create a notebook session'),
    h('fieldset', {}, h('legend', {}, 'Session'), name.wrap, cluster.wrap, image.wrap, spec.wrap, dev.wrap),
    h('fieldset', {}, h('legend', {}, 'Configuration'), profile.wrap, idle.wrap, storage.wrap),
    h('fieldset', {}, h('legend', {}, 'Environment'), packages.wrap, env.wrap),
    h('div', { class: 'field check' }, h('label', { for: 'start-now' }, startNow, ' Start the session once it is created')),
    cat.limits ? h('p', { class: 'muted small' }, cat.limits) : null,
    general,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: `#/ws/${ctx.ws.id}/notebooks` }, 'Cancel')));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    general.textContent = '';
    fields.forEach((f) => setError(f, null));
    let invalid: Field | null = null;
    for (const f of [name, image, spec]) {
      if (!f.control.value.trim()) {
        setError(f, 'Required.');
        invalid ??= f;
      }
    }
    const minutes = idle.control.value.trim();
    if (minutes && !(/^\d+$/.test(minutes) && Number(minutes) >= cat.idleReleaseMinutesMin && Number(minutes) <= cat.idleReleaseMinutesMax)) {
      setError(idle, `A whole number of minutes from ${cat.idleReleaseMinutesMin} to ${cat.idleReleaseMinutesMax}.`);
      invalid ??= idle;
    }
    if (invalid) {
      invalid.control.focus();
      return;
    }
    const body: Record<string, string | number | boolean> = {
      name: name.control.value.trim(),
      cluster: cluster.control.value,
      image: image.control.value,
      spec: spec.control.value,
      developmentMode: (dev.control as HTMLInputElement).checked,
      configuration: profile.control.value,
    };
    if (minutes) body.idleReleaseMinutes = Number(minutes);
    for (const f of [storage, packages, env]) if (f.control.value.trim()) body[f.name] = f.control.value.trim();
    submit.disabled = true;
    let created: NotebookSession;
    try {
      created = await post<NotebookSession>(sessionsPath(ctx), body);
    } catch (e) {
      showProblem(fields, general, e);
      submit.disabled = false;
      return;
    }
    // the values are the API's now; the page keeps none of them
    env.control.value = '';
    if (startNow.checked) {
      try {
        await post<NotebookSession>(`${sessionsPath(ctx)}/${encodeURIComponent(created.id)}/start`);
        toast(`Session ${created.name} created and starting.`);
      } catch (e) {
        toast(`Session ${created.name} created; it did not start: ${explain(e, 'this session')}`);
      }
    } else {
      toast(`Session ${created.name} created.`);
    }
    location.hash = `#/ws/${ctx.ws.id}/notebooks`;
  });
  replace(ctx.main, h('p', {}, back), form);
  ctx.loaded('notebook-new', started);
  name.control.focus();
}

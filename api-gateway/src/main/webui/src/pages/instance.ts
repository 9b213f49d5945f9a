// One MLflow instance: live status, the seed's operations (Edit, Open, VPC Address, Redeploy, Stop/Start, Release),
// its ACL entries (add/remove) and the connectivity diagnosis. Viewers see no operation that changes anything.

import { ApiError, all, del, get, patch, post, type AclEntry, type Diagnosis, type Instance, type InstanceSpec } from '../api';
import { dialog, h, replace, time, toast } from '../dom';
import { field, input, select, setError, showProblem } from '../form';
import type { Ctx } from '../main';
import { openLink, showVpcAddress, statusBadge, trackingLine } from './common';

const POLL_MS = 2000;
const SETTLED = new Set(['RUNNING', 'STOPPED', 'CREATE_FAILED', 'RELEASED', 'RELEASE_FAILED']);

/** An IPv4 or IPv6 address, optionally with a prefix length: the ACL's shape, checked before the API checks it exactly. */
export function looksLikeCidr(value: string): boolean {
  const [addr, prefix, extra] = value.split('/');
  if (extra !== undefined || !addr) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (v4) {
    if (v4.slice(1).some((o) => Number(o) > 255)) return false;
    return prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32);
  }
  if (/^[0-9A-Fa-f:.]{2,45}$/.test(addr) && addr.includes(':')) {
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= 128);
  }
  return false;
}

export async function instancePage(ctx: Ctx, id: string): Promise<void> {
  const started = performance.now();
  const path = `/workspaces/${ctx.ws.id}/instances/${encodeURIComponent(id)}`;
  let instance: Instance;
  let entries: AclEntry[];
  try {
    [instance, entries] = await Promise.all([get<Instance>(path), all<AclEntry>(`${path}/acl/entries`).catch(() => [] as AclEntry[])]);
  } catch (e) {
    replace(ctx.main, h('h1', {}, 'Instance not found'), h('p', {}, e instanceof ApiError && e.status === 404 ? 'There is no such instance in this workspace.' : String(e)),
      h('a', { href: `#/ws/${ctx.ws.id}/instances` }, 'Back to the instances'));
    return;
  }
  if (!ctx.alive()) return;

  const title = h('h1', {});
  const status = h('span', { 'data-testid': 'status' });
  const ops = h('div', { class: 'ops', role: 'group', 'aria-label': 'Operations' });
  const facts = h('dl', { class: 'facts' });
  const aclList = h('tbody');
  const aclSection = h('section', { class: 'card', 'aria-labelledby': 'acl-title' });
  const diagSection = h('section', { class: 'card', 'aria-labelledby': 'diag-title' });

  const renderHead = () => {
    title.textContent = instance.name;
    replace(status, statusBadge(instance.status), instance.statusReason?.message ? h('span', { class: 'muted' }, ` ${instance.statusReason.message}`) : null);
    const s = instance.status;
    replace(ops,
      openLink(instance, false),
      instance.trackingUri ? h('button', { type: 'button', class: 'secondary', onclick: () => void showVpcAddress(instance) }, 'VPC Address') : null,
      ctx.canEdit && s !== 'RELEASED' && s !== 'RELEASING' ? [
        h('button', { type: 'button', class: 'secondary', onclick: edit }, 'Edit'),
        s === 'RUNNING' ? h('button', { type: 'button', class: 'secondary', onclick: () => void act('redeploy', 'Redeploy requested: a new tracking server, same address and data.') }, 'Redeploy') : null,
        s === 'RUNNING' ? h('button', { type: 'button', class: 'secondary', onclick: () => void act('stop', 'Stopping: the tracking server stops and metering with it.') }, 'Stop') : null,
        s === 'STOPPED' ? h('button', { type: 'button', class: 'secondary', onclick: () => void act('start', 'Starting.') }, 'Start') : null,
        h('button', { type: 'button', class: 'danger', onclick: () => void release() }, 'Release'),
      ] : null);
    const row = (k: string, v: string | Node | null | undefined) => [h('dt', {}, k), h('dd', {}, v ?? '—')];
    replace(facts,
      row('Status', status),
      row('Instance ID', h('code', {}, instance.id)),
      row('Description', instance.description || null),
      row('VPC address', instance.trackingUri ? h('code', {}, instance.trackingUri) : null),
      row('Client line', instance.trackingUri ? h('code', {}, trackingLine(instance.trackingUri)) : null),
      row('VPC', instance.vpcId),
      row('vSwitches', [instance.vSwitchId, instance.secondaryVSwitchId].filter(Boolean).join(', ')),
      row('Security group', instance.securityGroupId),
      row('Load balancer', instance.loadBalancerId),
      row('Artifact root', instance.artifactRoot ?? (instance.ossBucket ? `oss://${instance.ossBucket}/${instance.ossPath ?? ''}` : null)),
      row('Specification', instance.pendingSpec ? `${instance.spec} (resizing to ${instance.pendingSpec})` : instance.spec),
      row('Tracking server', instance.trackingVersion),
      row('Created', time(instance.createdAt)),
      row('Updated', time(instance.updatedAt)));
  };

  // ---- operations

  async function act(action: string, message: string): Promise<void> {
    try {
      instance = await post<Instance>(`${path}/${action}`);
      toast(message);
      renderHead();
      poll();
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e));
    }
  }

  async function release(): Promise<void> {
    const answer = await dialog(`Release ${instance.name}?`, [
      h('p', {}, 'Releasing destroys, for good:'),
      h('ul', {},
        h('li', {}, 'the tracking database with every experiment, run, parameter, metric, tag and registered model of this instance;'),
        h('li', {}, 'its tracking server (compute), and metering stops;'),
        h('li', {}, `its load balancer, ACL and VPC address${instance.trackingUri ? ` (${instance.trackingUri})` : ''}.`)),
      h('p', {}, `Artifacts already written to ${instance.artifactRoot ?? `oss://${instance.ossBucket}/${instance.ossPath}`} stay in your bucket.`),
    ], [{ label: 'Cancel', value: 'cancel' }, { label: `Release ${instance.name}`, value: 'release', danger: true }]);
    if (answer === 'release') await act('release', `Releasing ${instance.name}.`);
  }

  async function edit(): Promise<void> {
    const n = field('Instance name', input({ value: instance.name, required: true, maxlength: '64' }), 'name');
    const d = field('Instance description', h('textarea', { rows: 3, maxlength: 256 }), 'description');
    (d.control as HTMLTextAreaElement).value = instance.description ?? '';
    // the spec changes only while RUNNING (a resize: a second server beside the first, then a switch) or STOPPED (at the
    // next start); the API says the same with a 409 naming spec
    const resizable = instance.status === 'RUNNING' || instance.status === 'STOPPED';
    let specs: InstanceSpec[] = [];
    try {
      specs = (await get<{ items: InstanceSpec[] }>(`/workspaces/${ctx.ws.id}/instance-specs`)).items;
    } catch {
      specs = instance.spec ? [{ name: instance.spec, cpuCores: 0, memoryGiB: 0, sku: '' }] : [];
    }
    const sp = field('Specification', select(specs.map((x) => ({
      value: x.name, label: x.cpuCores ? `${x.name} (${x.cpuCores} vCPU, ${x.memoryGiB} GiB)` : x.name }))), 'spec',
      resizable
        ? (instance.status === 'RUNNING'
          ? 'A new spec starts a second tracking server beside this one; the address and data stay, and metering follows the switch.'
          : 'The new spec is used at the next start.')
        : `The spec can change while the instance is RUNNING or STOPPED, not while it is ${instance.status}.`);
    (sp.control as HTMLSelectElement).value = instance.spec ?? '';
    (sp.control as HTMLSelectElement).disabled = !resizable;
    const general = h('p', { class: 'error', role: 'alert' });
    const save = h('button', { type: 'submit' }, 'Save');
    const form = h('form', { class: 'form', novalidate: true }, n.wrap, d.wrap, sp.wrap, general,
      h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'secondary', onclick: () => dlg.close() }, 'Cancel')));
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title' }, `Edit ${instance.name}`), form);
    dlg.addEventListener('close', () => dlg.remove());
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const body: Record<string, string> = { name: n.control.value.trim(), description: d.control.value };
        const chosen = (sp.control as HTMLSelectElement).value;
        if (resizable && chosen && chosen !== instance.spec) body.spec = chosen;
        instance = await patch<Instance>(path, body);
        dlg.close();
        toast(body.spec ? (instance.status === 'UPDATING' ? `Resizing to ${body.spec}.` : `Spec ${body.spec} saved.`) : 'Saved.');
        renderHead();
        if (!SETTLED.has(instance.status)) poll();
      } catch (e) {
        showProblem([n, d, sp], general, e);
      }
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    n.control.focus();
  }

  // ---- ACL

  const renderAcl = () => {
    replace(aclList, entries.length === 0
      ? h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No entries: the load balancer denies every source.'))
      : entries.map((e) => h('tr', { 'data-cidr': e.cidr },
        h('td', {}, h('code', {}, e.cidr)), h('td', {}, e.description ?? ''), h('td', {}, time(e.createdAt)),
        ctx.canEdit ? h('td', {}, h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove ${e.cidr}`, onclick: () => void remove(e.cidr) }, 'Remove')) : null)));
  };

  async function remove(cidr: string): Promise<void> {
    try {
      await del(`${path}/acl/entries?cidr=${encodeURIComponent(cidr)}`);
      entries = await all<AclEntry>(`${path}/acl/entries`);
      renderAcl();
      toast(`${cidr} removed from the ACL.`);
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e));
    }
  }

  const cidr = field('Source address or CIDR', input({ autocomplete: 'off', placeholder: '192.168.0.0/16' }), 'cidr',
    'Your notebook\'s address, its subnet, or the whole VPC block.');
  const cidrDescription = field('Description', input({ autocomplete: 'off', maxlength: '256' }), 'description');
  const aclGeneral = h('p', { class: 'error', role: 'alert' });
  const aclForm = ctx.canEdit && instance.status !== 'RELEASED' ? h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Add an ACL entry' },
    cidr.wrap, cidrDescription.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add entry')), aclGeneral) : null;
  aclForm?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = cidr.control.value.trim();
    aclGeneral.textContent = '';
    if (!looksLikeCidr(value)) {
      setError(cidr, 'Enter an IPv4 or IPv6 address, or a CIDR block such as 192.168.0.0/16.');
      cidr.control.focus();
      return;
    }
    setError(cidr, null);
    try {
      const body: Record<string, string> = { cidr: value };
      if (cidrDescription.control.value.trim()) body.description = cidrDescription.control.value.trim();
      await post(`${path}/acl/entries`, body);
      entries = await all<AclEntry>(`${path}/acl/entries`);
      renderAcl();
      cidr.control.value = '';
      cidrDescription.control.value = '';
      toast(`${value} admitted.`);
    } catch (e) {
      showProblem([cidr, cidrDescription], aclGeneral, e);
    }
  });
  replace(aclSection,
    h('h2', { id: 'acl-title' }, 'Access control (ACL)'),
    h('p', { class: 'muted' }, 'The load balancer admits only these sources on port 80; with no entry it denies everything.'),
    h('table', { class: 'grid', 'aria-labelledby': 'acl-title' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col' }, 'Description'), h('th', { scope: 'col' }, 'Added'),
        ctx.canEdit ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Operations')) : null)),
      aclList),
    aclForm);

  // ---- diagnosis

  const source = field('Source address', input({ autocomplete: 'off', placeholder: '192.168.1.10' }), 'source', 'The address your client connects from.');
  const diagGeneral = h('p', { class: 'error', role: 'alert' });
  const result = h('div', { 'aria-live': 'polite' });
  const diagForm = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Diagnose a source address' },
    source.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Diagnose')), diagGeneral);
  diagForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = source.control.value.trim();
    if (!looksLikeCidr(value) || value.includes('/')) {
      setError(source, 'Enter one IPv4 or IPv6 address.');
      source.control.focus();
      return;
    }
    setError(source, null);
    try {
      const d = await get<Diagnosis>(`${path}/diagnose?source=${encodeURIComponent(value)}`);
      const blocking = d.layers.find((l) => !l.admitted);
      replace(result,
        h('p', { class: d.admitted ? 'ok' : 'blocked', 'data-testid': 'diagnosis' }, d.admitted
          ? `${d.source} reaches the instance: every layer admits it.`
          : `${d.source} is blocked by the ${blocking?.layer ?? 'network'} layer.`),
        h('ol', { class: 'layers' }, d.layers.map((l) => h('li', { class: l.admitted ? 'ok' : 'blocked' },
          h('strong', {}, `${l.layer}: ${l.admitted ? 'admits' : 'blocks'}`), ` — ${l.reason}`))));
    } catch (e) {
      showProblem([source], diagGeneral, e);
    }
  });
  replace(diagSection, h('h2', { id: 'diag-title' }, 'Connectivity diagnosis'),
    h('p', { class: 'muted' }, 'Which layer — ACL, security group, VPC — would let a client at this address through, in the order the FAQ checks them.'),
    diagForm, result);

  replace(ctx.main,
    h('p', {}, h('a', { href: `#/ws/${ctx.ws.id}/instances` }, '← MLflow instances')),
    h('div', { class: 'pagehead' }, title, ops),
    h('section', { class: 'card' }, facts),
    aclSection, diagSection);
  renderHead();
  renderAcl();
  ctx.loaded('instance', started);

  // ---- live status while something is in progress (and slowly otherwise, to see others' changes)
  let timer: number | undefined;
  let stopped = false;
  function poll(): void {
    window.clearTimeout(timer);
    if (stopped) return;
    timer = window.setTimeout(async () => {
      if (document.visibilityState === 'visible') {
        try {
          const next = await get<Instance>(path);
          if (JSON.stringify(next) !== JSON.stringify(instance)) {
            instance = next;
            renderHead();
          }
        } catch {
          // keep the last state; the next poll tries again
        }
      }
      poll();
    }, SETTLED.has(instance.status) ? POLL_MS * 3 : POLL_MS);
  }
  ctx.onLeave(() => { stopped = true; window.clearTimeout(timer); });
  poll();
}

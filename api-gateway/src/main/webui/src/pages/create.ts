// Create an MLflow instance with every parameter of the seed. VPC, vSwitches and security groups are chosen from the
// network registry; a same-zone vSwitch pair and a security group that is not basic are refused before submit; the
// API's field errors appear next to their field.

import { ApiError, get, post, type Instance, type SecurityGroup, type Vpc, type VSwitch } from '../api';
import { h, replace, toast } from '../dom';
import { field, input, select, setError, showProblem, type Field } from '../form';
import type { Ctx } from '../main';

export async function createInstancePage(ctx: Ctx): Promise<void> {
  const started = performance.now();
  if (!ctx.canEdit) {
    replace(ctx.main, h('h1', {}, 'Create instance'), h('p', {}, 'Your role (viewer) cannot create instances.'));
    return;
  }
  const base = `/workspaces/${ctx.ws.id}/network/vpcs`;
  let vpcs: Vpc[] | null = null;
  try {
    vpcs = (await get<{ items: Vpc[] }>(base)).items;
  } catch (e) {
    // a provider that cannot list its network (501) or a registry that cannot be read: ids are typed instead
    if (!(e instanceof ApiError)) throw e;
  }

  if (!ctx.alive()) return;
  const name = field('Instance name', input({ required: true, autocomplete: 'off', maxlength: '64' }), 'name',
    'Letters, digits, - and _; starts with a letter; at most 64 characters. Example: my-mlflow');
  const description = field('Instance description', h('textarea', { rows: 2, maxlength: 256 }), 'description', 'Optional.');
  const registry = vpcs !== null;
  const vpc = field('VPC', registry ? select([{ value: '', label: 'Choose a VPC' }, ...vpcs!.map((v) => ({ value: v.id, label: `${v.id}${v.cidr ? ` (${v.cidr})` : ''}` }))], { required: true }) : input({ required: true }), 'vpcId',
    'Notebooks and MLflow instances in different VPCs cannot reach each other.');
  const vsw = field('vSwitch', registry ? select([{ value: '', label: 'Choose a VPC first' }], { required: true }) : input({ required: true }), 'vSwitchId',
    'The primary vSwitch: the instance and its load balancer each use one address of it.');
  const vsw2 = field('Secondary vSwitch', registry ? select([{ value: '', label: 'Choose a VPC first' }], { required: true }) : input({ required: true }), 'secondaryVSwitchId',
    'For the load balancer\'s high availability: must be in a different zone than the primary vSwitch.');
  const sg = field('Security group', registry ? select([{ value: '', label: 'Choose a VPC first' }], { required: true }) : input({ required: true }), 'securityGroupId',
    'Controls who reaches MLflow; its inbound rules must allow port 80 from your notebooks. Basic security groups only.');
  const bucket = field('OSS bucket', input({ required: true, autocomplete: 'off' }), 'ossBucket', 'Your bucket for artifacts. Example: my-bucket');
  const path = field('OSS path', input({ required: true, autocomplete: 'off', value: 'mlflow-root' }), 'ossPath',
    'The default artifact root is oss://<bucket>/<path>.');
  const spec = field('Specification', select([
    { value: 'mlflow.small', label: 'mlflow.small' }, { value: 'mlflow.medium', label: 'mlflow.medium' }, { value: 'mlflow.large', label: 'mlflow.large' }]), 'spec',
    'Compute of the tracking server (metered pay-as-you-go).');
  const fields: Field[] = [name, description, vpc, vsw, vsw2, sg, bucket, path, spec];
  const general = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Create');
  const artifactRoot = h('p', { class: 'muted', 'aria-live': 'polite' });

  let switches: VSwitch[] = [];
  let groups: SecurityGroup[] = [];

  const checkPair = (): boolean => {
    if (!registry) return true;
    const a = switches.find((s) => s.id === vsw.control.value);
    const b = switches.find((s) => s.id === vsw2.control.value);
    let ok = true;
    if (a && a.availableIpAddressCount < 2) {
      setError(vsw, `${a.id} has ${a.availableIpAddressCount} free address${a.availableIpAddressCount === 1 ? '' : 'es'}; the instance needs 2.`);
      ok = false;
    } else setError(vsw, null);
    if (a && b && a.zoneId === b.zoneId) {
      setError(vsw2, `Must be in a different zone than the primary vSwitch: both are in ${a.zoneId}.`);
      ok = false;
    } else setError(vsw2, null);
    const g = groups.find((x) => x.id === sg.control.value);
    if (g && !g.basic) {
      setError(sg, `${g.id} is ${g.managed ? 'a managed' : `an ${g.type}`} security group; only basic security groups are supported.`);
      ok = false;
    } else setError(sg, null);
    return ok;
  };

  const fill = (s: HTMLSelectElement, options: { value: string; label: string; disabled?: boolean }[]) => {
    s.replaceChildren(...options.map((o) => h('option', { value: o.value, disabled: o.disabled }, o.label)));
  };

  if (registry) {
    vpc.control.addEventListener('change', async () => {
      const id = vpc.control.value;
      switches = [];
      groups = [];
      if (!id) return;
      try {
        const [s, g] = await Promise.all([
          get<{ items: VSwitch[] }>(`${base}/${encodeURIComponent(id)}/vswitches`),
          get<{ items: SecurityGroup[] }>(`${base}/${encodeURIComponent(id)}/security-groups`)]);
        switches = s.items;
        groups = g.items;
      } catch (e) {
        showProblem(fields, general, e);
      }
      const sw = switches.map((x) => ({ value: x.id, label: `${x.id} — ${x.zoneId}, ${x.availableIpAddressCount} free` }));
      fill(vsw.control as HTMLSelectElement, [{ value: '', label: 'Choose a vSwitch' }, ...sw]);
      fill(vsw2.control as HTMLSelectElement, [{ value: '', label: 'Choose a vSwitch in another zone' }, ...sw]);
      fill(sg.control as HTMLSelectElement, [{ value: '', label: 'Choose a security group' },
        ...groups.map((x) => ({ value: x.id, label: `${x.id} — ${x.basic ? 'basic' : x.managed ? 'managed (not supported)' : `${x.type} (not supported)`}` }))]);
      checkPair();
    });
    for (const f of [vsw, vsw2, sg]) f.control.addEventListener('change', checkPair);
  }
  const showRoot = () => {
    artifactRoot.textContent = bucket.control.value && path.control.value ? `Default artifact root: oss://${bucket.control.value}/${path.control.value}` : '';
  };
  bucket.control.addEventListener('input', showRoot);
  path.control.addEventListener('input', showRoot);

  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'create-title' },
    h('h1', { id: 'create-title' }, 'Create an MLflow instance'),
    registry ? null : h('p', { class: 'muted' }, 'The network registry is not available from this provider: type the ids.'),
    h('fieldset', {}, h('legend', {}, 'Instance'), name.wrap, description.wrap, spec.wrap),
    h('fieldset', {}, h('legend', {}, 'Network'), vpc.wrap, vsw.wrap, vsw2.wrap, sg.wrap),
    h('fieldset', {}, h('legend', {}, 'Artifacts'), bucket.wrap, path.wrap, artifactRoot),
    general,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: `#/ws/${ctx.ws.id}/instances` }, 'Cancel')));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    general.textContent = '';
    const pairOk = checkPair();
    let missing: Field | null = null;
    for (const f of fields) {
      if (f !== description && !f.control.value.trim()) {
        setError(f, 'Required.');
        missing ??= f;
      } else if (f !== vsw && f !== vsw2 && f !== sg) setError(f, null);
    }
    if (!pairOk || missing) {
      (missing ?? fields.find((f) => f.control.getAttribute('aria-invalid') === 'true'))?.control.focus();
      return;
    }
    const body: Record<string, string> = {};
    for (const f of fields) if (f.control.value.trim()) body[f.name] = f.control.value.trim();
    submit.disabled = true;
    try {
      const created = await post<Instance>(`/workspaces/${ctx.ws.id}/instances`, body);
      toast(`Instance ${created.name} is being created.`);
      location.hash = `#/ws/${ctx.ws.id}/instances/${created.id}`;
    } catch (e) {
      showProblem(fields, general, e);
    } finally {
      submit.disabled = false;
    }
  });
  replace(ctx.main, form);
  ctx.loaded('create', started);
  name.control.focus();
}

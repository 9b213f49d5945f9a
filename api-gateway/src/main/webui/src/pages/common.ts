// Pieces shared by the instance pages: the status badge, the VPC Address dialog, the Open link.

import { post, type Instance } from '../api';
import { copy, dialog, h, toast } from '../dom';
import { explain } from '../errors';

const LIVE = new Set(['CREATING', 'UPDATING', 'REDEPLOYING', 'STOPPING', 'STARTING', 'RELEASING']);

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status.toLowerCase()}`, 'data-status': status }, LIVE.has(status) ? `${status}…` : status);
}

export function trackingLine(uri: string): string {
  return `mlflow.set_tracking_uri("${uri}")`;
}

/** The seed's "VPC Address" action: the address and the exact line for the mlflow client, each with a copy button. */
export async function showVpcAddress(i: Instance): Promise<void> {
  if (!i.trackingUri) {
    await dialog(`VPC address of ${i.name}`, [h('p', {}, `The instance has no address yet (status ${i.status}).`)], [{ label: 'Close', value: 'cancel' }]);
    return;
  }
  const line = trackingLine(i.trackingUri);
  const copyButton = (text: string, label: string) => h('button', {
    type: 'button', class: 'secondary small', 'aria-label': label,
    onclick: async () => toast((await copy(text)) ? 'Copied to the clipboard.' : 'Copy failed: select the text and copy it.'),
  }, 'Copy');
  await dialog(`VPC address of ${i.name}`, [
    h('p', {}, 'Clients in the VPC reach the instance here once its ACL admits them (see the instance page).'),
    h('div', { class: 'copyrow' }, h('code', { 'data-testid': 'vpc-address' }, i.trackingUri), copyButton(i.trackingUri, 'Copy the VPC address')),
    h('p', {}, 'In a notebook:'),
    h('div', { class: 'copyrow' }, h('code', { 'data-testid': 'tracking-line' }, line), copyButton(line, 'Copy the mlflow.set_tracking_uri line')),
  ], [{ label: 'Close', value: 'cancel' }]);
}

/** The answer of POST .../ui-sign-in: a one-time link to the instance's load balancer, valid about a minute. */
interface UiSignInLink {
  instanceId: string;
  url?: string;
  expiresAt: string;
}

/**
 * Opens the MLflow UI of an instance in token mode. A tab sends no token, so the console asks the gateway for a one-time
 * link, which the instance's load balancer trades for a cookie holding a short-lived access token of this member (read
 * only for a viewer). The tab is opened with noopener: the UI never gets hold of this tab nor the key in its sessionStorage.
 */
async function openSignedIn(i: Instance): Promise<void> {
  try {
    const link = await post<UiSignInLink>(`/workspaces/${encodeURIComponent(i.workspaceId)}/instances/${encodeURIComponent(i.id)}/ui-sign-in`);
    // only ever the instance's own load balancer
    if (!link.url || !i.trackingUri || !link.url.startsWith(`${i.trackingUri}/.dms/sign-in?`)) throw new Error('no link');
    const tab = window.open(link.url, '_blank', 'noopener,noreferrer');
    if (tab === null) toast(`The MLflow UI of ${i.name} opened in a new tab (if none appeared, allow pop-ups for this site).`);
  } catch (e) {
    toast(explain(e, 'this instance'));
  }
}

/**
 * The seed's "Open": the instance's MLflow UI through its load balancer, in a new tab. In token mode a plain link would
 * meet the load balancer's 401, so the button signs the tab in first.
 */
export function openLink(i: Instance, small = true): HTMLElement | null {
  if (i.status !== 'RUNNING' || !i.trackingUri) return null;
  const cls = small ? 'button secondary small' : 'button secondary';
  const label = `Open the MLflow UI of ${i.name} (new tab)`;
  if (i.authMode === 'token') {
    return h('button', { type: 'button', class: cls, 'aria-label': label, 'data-open': 'sign-in', onclick: () => void openSignedIn(i) }, 'Open');
  }
  return h('a', { class: cls, href: `${i.trackingUri}/`, target: '_blank', rel: 'noopener noreferrer', 'aria-label': label }, 'Open');
}

// Pieces shared by the instance pages: the status badge, the VPC Address dialog, the Open link.

import type { Instance } from '../api';
import { copy, dialog, h, toast } from '../dom';

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

/** The seed's "Open": the instance's MLflow UI through its load balancer, in a new tab. */
export function openLink(i: Instance, small = true): HTMLElement | null {
  if (i.status !== 'RUNNING' || !i.trackingUri) return null;
  return h('a', { class: small ? 'button secondary small' : 'button secondary', href: `${i.trackingUri}/`, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Open the MLflow UI of ${i.name} (new tab)` }, 'Open');
}

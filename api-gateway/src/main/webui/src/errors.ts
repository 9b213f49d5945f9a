// What a page says when the API refuses or a service is away: a sentence, never a stack trace. A workspace the caller
// is not (or no longer) a member of answers 404 like a missing resource, so the two read the same.

import { ApiError } from './api';

export function explain(e: unknown, what: string): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return `No ${what} here: it does not exist in this workspace, or the workspace is not yours.`;
    if (e.status === 403) return 'Your role in this workspace does not allow this.';
    if (e.status === 429) return 'Too many requests: try again in a moment.';
    if (e.status >= 500) return `The service behind ${what} is not reachable right now (HTTP ${e.status}). Try again later.`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

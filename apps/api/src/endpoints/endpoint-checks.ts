import { AppError, type ErrorDetail } from '@herald/core';
import { findEventTypes, type Sql } from '@herald/db';
import { reservedHeaderReason } from '@herald/delivery';
import { checkEndpointUrl } from '@herald/outbound';
import type { ApiDeps } from '../deps.js';

/** 422 naming each subscribed event type that the tenant has not registered. */
export async function assertEventTypesExist(sql: Sql, tenantId: string, filters: string[]): Promise<void> {
  const exact = filters.filter((f) => f !== '*' && !f.endsWith('.*'));
  if (exact.length === 0) return;
  const known = new Set((await findEventTypes(sql, tenantId, exact)).map((t) => t.name));
  const details: ErrorDetail[] = filters.flatMap((f, i) =>
    exact.includes(f) && !known.has(f) ? [{ path: `events.${i}`, message: `unknown event type '${f}'` }] : [],
  );
  if (details.length > 0) throw AppError.unprocessable('The endpoint subscribes to unknown event types.', details);
}

/** 422 unless the URL may be delivered to (scheme, and SSRF rules on what its host resolves to). */
export async function assertUrlAllowed(url: string, { config, resolve }: Pick<ApiDeps, 'config' | 'resolve'>): Promise<void> {
  const problem = await checkEndpointUrl(url, { allowHttp: config.HERALD_ALLOW_HTTP, allowlist: config.HERALD_OUTBOUND_ALLOWLIST, resolve });
  if (problem) throw AppError.unprocessable('The endpoint URL is not allowed.', [{ path: 'url', message: problem }]);
}

/** 422 naming each header the endpoint may not set: Herald's own (under HERALD_HEADER_PREFIX), Standard Webhooks', framing. */
export function assertHeadersAllowed(headers: Record<string, string>, { config }: Pick<ApiDeps, 'config'>): void {
  const details: ErrorDetail[] = Object.keys(headers).flatMap((name) => {
    const reason = reservedHeaderReason(name, config.HERALD_HEADER_PREFIX);
    return reason ? [{ path: `headers.${name}`, message: reason }] : [];
  });
  if (details.length > 0) throw AppError.unprocessable('The endpoint sets headers that Herald reserves.', details);
}

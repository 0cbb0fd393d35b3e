import { AppError, type ErrorDetail } from '@herald/core';
import { findEventTypes, type Sql } from '@herald/db';
import { reservedHeaderReason } from '@herald/delivery';
import { zodDetails } from '@herald/http';
import { checkEndpointUrl } from '@herald/outbound';
import {
  BODY_FORMATS,
  channelProblems,
  normalizeChannels,
  ORDERINGS,
  ENVELOPE_VERSIONS,
  envelopeVersion,
  SignatureSchema,
  type BodyFormat,
  type EndpointSignature,
  type SignatureIn,
} from '@herald/schemas';
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

/** The channels as stored (each once), or 422 naming each bad name, or too many. */
export function acceptChannels(channels: string[]): string[] {
  const details = channelProblems(channels, 'channels');
  if (details.length > 0) throw AppError.unprocessable('The channels are not acceptable.', details);
  return normalizeChannels(channels);
}

/** The ordering as stored, or 422 unless it is one of ORDERINGS. */
export function acceptOrdering(ordering: string): string {
  if (!(ORDERINGS as readonly string[]).includes(ordering)) {
    throw AppError.unprocessable('The ordering is not acceptable.', [{ path: 'ordering', message: `must be one of ${ORDERINGS.join(', ')}` }]);
  }
  return ordering;
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

/** The delivery format fields of a create or PATCH body, as it carries them. */
export interface FormatIn {
  signature?: SignatureIn;
  body?: string;
  schema_version?: string;
}

/** Those fields as stored; absent where the body left them out. */
export interface AcceptedFormat {
  signature?: EndpointSignature;
  bodyFormat?: BodyFormat;
  schemaVersion?: string;
}

/**
 * The endpoint's delivery format as it will be stored, or 422 naming every
 * field that is not acceptable: an unknown scheme, body or envelope version;
 * a signature header that is not a header name, is one Herald reserves, or
 * is also among the endpoint's own `headers` (which would replace it); a
 * prefix with control characters. `signature` and `headers` are what the
 * endpoint will have after this request, so a PATCH of either is checked
 * against the other's current value.
 */
export function acceptFormat(
  input: FormatIn,
  after: { signature: SignatureIn | EndpointSignature; headers: Record<string, string> },
  { config }: Pick<ApiDeps, 'config'>,
): AcceptedFormat {
  const details: ErrorDetail[] = [];
  const accepted: AcceptedFormat = {};
  const parsed = SignatureSchema.safeParse(after.signature);
  if (!parsed.success) {
    details.push(...zodDetails(parsed.error, ['signature']));
  } else {
    if (input.signature !== undefined) accepted.signature = parsed.data;
    if (parsed.data.scheme === 'hmac-sha256') details.push(...signatureHeaderProblems(parsed.data, after.headers, config.HERALD_HEADER_PREFIX));
  }
  if (input.body !== undefined) {
    if ((BODY_FORMATS as readonly string[]).includes(input.body)) accepted.bodyFormat = input.body as BodyFormat;
    else details.push({ path: 'body', message: `must be one of ${BODY_FORMATS.join(', ')}` });
  }
  if (input.schema_version !== undefined) {
    if (envelopeVersion(input.schema_version)) accepted.schemaVersion = input.schema_version;
    else {
      const published = ENVELOPE_VERSIONS.map((v) => v.id).join(', ');
      details.push({ path: 'schema_version', message: `must be a published envelope version (${published}; GET /api/v1/schema-versions)` });
    }
  }
  if (details.length > 0) throw AppError.unprocessable('The delivery format is not acceptable.', details);
  return accepted;
}

/** Why the headers an hmac-sha256 signature is sent in cannot be used. */
function signatureHeaderProblems(
  signature: Extract<EndpointSignature, { scheme: 'hmac-sha256' }>,
  headers: Record<string, string>,
  headerPrefix: string,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const own = new Map(Object.keys(headers).map((name) => [name.toLowerCase(), name]));
  for (const field of ['header', 'timestamp_header'] as const) {
    const name = signature[field];
    if (name === null) continue;
    const reason = reservedHeaderReason(name, headerPrefix);
    if (reason) details.push({ path: `signature.${field}`, message: reason });
    const clash = own.get(name.toLowerCase());
    if (clash) details.push({ path: `headers.${clash}`, message: `is where the signature sends its ${field === 'header' ? 'signature' : 'timestamp'}; remove it from headers` });
  }
  if (signature.timestamp_header?.toLowerCase() === signature.header.toLowerCase()) {
    details.push({ path: 'signature.timestamp_header', message: 'must differ from header' });
  }
  return details;
}

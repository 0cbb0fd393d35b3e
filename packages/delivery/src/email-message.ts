import type { EnvelopeEvent } from '@herald/schemas';

/** Most payload fields an email lists; the rest are counted in a note. */
export const EMAIL_MAX_FIELDS = 50;
/** Longest value an email shows of one field; longer ones are cut with an ellipsis. */
export const EMAIL_MAX_VALUE_CHARS = 200;
// How deep nested objects are listed; deeper ones are shown as JSON text.
const MAX_DEPTH = 4;

/** What an email's content says besides the event: its tenant and environment (recorded with each attempt). */
export interface EmailContent {
  tenant: { id: string; name: string; externalId: string | null };
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
}

/** How Herald's emails are sent: HERALD_EMAIL_FROM's address and HERALD_HEADER_PREFIX. */
export interface EmailSending {
  /** List-Unsubscribe points at it. */
  fromAddress: string;
  headerPrefix: string;
}

/** The subject and the two parts of an email. */
export interface EmailBodies {
  subject: string;
  text: string;
  html: string;
}

/** One email of an event to one recipient. */
export interface EmailMessage extends EmailBodies {
  /** Headers besides From, To and Subject. */
  headers: Record<string, string>;
}

/** One listed payload field: its dotted path and its value as text. */
interface Field {
  path: string;
  value: string;
}

/** Removes line breaks and other control characters: a header value, or a one-line label, can never be split. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const cut = (text: string) => (text.length > EMAIL_MAX_VALUE_CHARS ? `${text.slice(0, EMAIL_MAX_VALUE_CHARS - 1)}…` : text);

/** The payload's fields as dotted paths (`customer.address.city`, `items.0`), at most EMAIL_MAX_FIELDS, and how many more there were. */
function payloadFields(payloadText: string): { fields: Field[]; more: number } {
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    return { fields: [{ path: '(payload)', value: cut(payloadText) }], more: 0 };
  }
  const fields: Field[] = [];
  let more = 0;
  const visit = (value: unknown, path: string, depth: number) => {
    const nested = value !== null && typeof value === 'object';
    if (nested && depth < MAX_DEPTH && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) visit(child, path ? `${path}.${key}` : key, depth + 1);
      return;
    }
    if (fields.length >= EMAIL_MAX_FIELDS) {
      more++;
      return;
    }
    fields.push({ path: path || '(payload)', value: cut(typeof value === 'string' ? value : JSON.stringify(value)) });
  };
  visit(payload, '', 0);
  return { fields, more };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * The subject and parts of an event's email: a subject naming the event type and the tenant, a
 * plain-text and an HTML part listing the payload's fields (HTML-escaped in
 * the HTML part; at most EMAIL_MAX_FIELDS fields of at most
 * EMAIL_MAX_VALUE_CHARS each, with a note when anything was left out).
 * Pure: the same event and content give the same bodies, so an attempt's
 * text can be rebuilt from its record.
 */
export function emailBodies(event: EnvelopeEvent, ctx: EmailContent): EmailBodies {
  const tenantName = oneLine(ctx.tenant.name, 100);
  const subject = oneLine(`[Herald] ${event.eventType} — ${tenantName}`, 200);
  const { fields, more } = payloadFields(event.payload);
  const facts: [string, string][] = [
    ['Event', event.id],
    ['Type', event.eventType],
    ['Tenant', ctx.tenant.externalId ? `${tenantName} (${oneLine(ctx.tenant.externalId, 100)})` : tenantName],
    ...(ctx.environment ? ([['Environment', ctx.environment]] as [string, string][]) : []),
    ['Created', event.createdAt.toISOString()],
  ];
  const note =
    more > 0
      ? `${more} more field${more === 1 ? '' : 's'} not shown: the payload is too large for an email. The whole event is ${event.id} in Herald.`
      : null;
  const why = `You get this email because email is on for ${event.eventType} events of ${tenantName} in Herald, and you are its primary contact or a subscriber. An administrator of ${tenantName} can change this in Herald's notification settings.`;

  const text = [
    `${event.eventType} — ${tenantName}`,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    'Payload:',
    ...fields.map((f) => `  ${f.path}: ${oneLine(f.value, EMAIL_MAX_VALUE_CHARS)}`),
    ...(note ? ['', note] : []),
    '',
    '-- ',
    why,
    '',
  ].join('\n');

  const row = (k: string, v: string) =>
    `<tr><th align="left" style="padding:2px 12px 2px 0;font-weight:600">${escapeHtml(k)}</th><td style="padding:2px 0;font-family:monospace">${escapeHtml(v)}</td></tr>`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px">',
    `<h2 style="font-size:16px">${escapeHtml(`${event.eventType} — ${tenantName}`)}</h2>`,
    `<table>${facts.map(([k, v]) => row(k, v)).join('')}</table>`,
    '<h3 style="font-size:14px">Payload</h3>',
    `<table>${fields.map((f) => row(f.path, f.value)).join('')}</table>`,
    note ? `<p><em>${escapeHtml(note)}</em></p>` : '',
    `<p style="color:#666;font-size:12px">${escapeHtml(why)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}

/**
 * The whole email of an event: its bodies, and the headers of an automatic
 * message: `Auto-Submitted: auto-generated` (so auto-responders stay quiet)
 * and a `List-Unsubscribe` pointing at Herald's From address (nothing
 * secret, no token).
 */
export function buildEmailMessage(event: EnvelopeEvent, content: EmailContent, sending: EmailSending): EmailMessage {
  const ctx = { ...content, ...sending };
  const unsubscribe = `mailto:${ctx.fromAddress}?subject=${encodeURIComponent(`unsubscribe ${ctx.tenant.id} ${event.eventType}`)}`;
  return {
    ...emailBodies(event, content),
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'List-Unsubscribe': `<${unsubscribe}>`,
      [`${ctx.headerPrefix}-Event`]: event.eventType,
      [`${ctx.headerPrefix}-Event-Id`]: event.id,
    },
  };
}

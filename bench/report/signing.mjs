// The report of the signing phase: signing cost per scheme.
import { fmt, fmtMmm, mdTable } from '../lib/util.mjs';

export function headlines(results) {
  const rows = results.signing?.rows?.filter((r) => r.payload === 'small') ?? [];
  if (rows.length === 0) return [];
  return [`**Signing cost per request** (small payload, body + headers + signature): ${rows.map((r) => `${r.scheme} ${fmt(r.request.median, 1)} µs`).join(', ')}.`];
}

export function section(results) {
  const s = results.signing;
  if (!s) return [];
  return [
    '## Signing cost per scheme',
    '',
    `What one request costs the worker to build, per signature scheme: \`buildWebhookRequest\` from packages/delivery (the endpoint's body, here the 2026-12-01 envelope; Herald's headers; the signature, keys already decrypted as the worker caches them), and the signature alone. In the bench process, ${fmt(s.runs)} timed loops of ${fmt(s.n)} calls after a warm-up; µs per call, median (min–max).`,
    '',
    mdTable(
      ['Scheme', 'Payload', 'Body bytes', 'µs per request', 'µs signature alone'],
      s.rows.map((r) => [r.scheme, r.payload, fmt(r.bodyBytes), fmtMmm(r.request, 1), fmtMmm(r.signature, 1)]),
    ),
    '',
  ];
}

export function notes() {
  return ['- Signing cost is measured in one process without I/O; an attempt\'s full cost (PostgreSQL, Redis, HTTP) is in sections 1 and 6.'];
}

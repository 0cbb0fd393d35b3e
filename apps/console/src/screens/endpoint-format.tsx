import type { BodyFormat, EndpointOut, EndpointSignature, SchemaVersionOut, SignatureScheme } from '@herald/schemas';
import { api } from '../api.js';
import { ErrorBox, Field, Loading, useLoad } from '../ui.js';

/**
 * How an endpoint's requests look (docs/api.md, "Signature schemes" and
 * "Body formats"): the signature scheme with its hmac-sha256 settings, the
 * body, and the envelope version it is pinned to.
 */
export interface FormatDraft {
  scheme: SignatureScheme;
  header: string;
  prefix: string;
  encoding: 'hex' | 'base64';
  timestampHeader: string;
  body: BodyFormat;
  /** Empty when creating: the API pins a new endpoint to the newest version. */
  schemaVersion: string;
}

export const NEW_FORMAT: FormatDraft = {
  scheme: 'standard-webhooks',
  header: '',
  prefix: '',
  encoding: 'hex',
  timestampHeader: '',
  body: 'envelope',
  schemaVersion: '',
};

const SCHEMES: { value: SignatureScheme; label: string }[] = [
  { value: 'standard-webhooks', label: 'Standard Webhooks (v1, HMAC-SHA256)' },
  { value: 'standard-webhooks-ed25519', label: 'Standard Webhooks ed25519 (v1a, public key)' },
  { value: 'hmac-sha256', label: 'HMAC-SHA256 in a header of your choice (GitHub-style)' },
];

export function formatDraftOf(e: EndpointOut): FormatDraft {
  const s = e.signature;
  return {
    scheme: s.scheme,
    header: s.scheme === 'hmac-sha256' ? s.header : '',
    prefix: s.scheme === 'hmac-sha256' ? s.prefix : '',
    encoding: s.scheme === 'hmac-sha256' ? s.encoding : 'hex',
    timestampHeader: s.scheme === 'hmac-sha256' ? (s.timestamp_header ?? '') : '',
    body: e.body,
    schemaVersion: e.schema_version,
  };
}

function signatureOf(d: FormatDraft): Record<string, unknown> {
  if (d.scheme !== 'hmac-sha256') return { scheme: d.scheme };
  return { scheme: d.scheme, header: d.header.trim(), prefix: d.prefix, encoding: d.encoding, timestamp_header: d.timestampHeader.trim() || null };
}

/**
 * The format fields of a create or PATCH body. When editing, only what
 * changed is sent, so saving other settings never touches the endpoint's
 * signature (a new ed25519 key pair, say) or its pinned version.
 */
export function formatBody(d: FormatDraft, before: FormatDraft | null): Record<string, unknown> {
  const signature = signatureOf(d);
  const out: Record<string, unknown> = {};
  if (!before || JSON.stringify(signature) !== JSON.stringify(signatureOf(before))) out.signature = signature;
  if (!before || d.body !== before.body) out.body = d.body;
  if (d.schemaVersion && d.schemaVersion !== before?.schemaVersion) out.schema_version = d.schemaVersion;
  return out;
}

/** The "Format" section of the endpoint form. */
export function FormatFields({ draft, onChange, error }: { draft: FormatDraft; onChange: (draft: FormatDraft) => void; error: unknown }) {
  const versions = useLoad(() => api<{ data: SchemaVersionOut[] }>('GET', '/schema-versions'), []);
  const set = <K extends keyof FormatDraft>(key: K, value: FormatDraft[K]) => onChange({ ...draft, [key]: value });
  return (
    <>
      <Field label="Signature scheme" path="signature.scheme" error={error} help="How receivers check that a request comes from Herald.">
        {(props) => (
          <select {...props} value={draft.scheme} onChange={(e) => set('scheme', e.target.value as SignatureScheme)}>
            {SCHEMES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.scheme === 'hmac-sha256' && (
        <div className="grid-3">
          <Field label="Signature header" path="signature.header" error={error} help="e.g. X-Hub-Signature-256">
            {(props) => <input {...props} value={draft.header} onChange={(e) => set('header', e.target.value)} />}
          </Field>
          <Field label="Prefix" path="signature.prefix" error={error} help="written before the digest, e.g. sha256=">
            {(props) => <input {...props} value={draft.prefix} onChange={(e) => set('prefix', e.target.value)} />}
          </Field>
          <Field label="Encoding" path="signature.encoding" error={error}>
            {(props) => (
              <select {...props} value={draft.encoding} onChange={(e) => set('encoding', e.target.value as FormatDraft['encoding'])}>
                <option value="hex">hex</option>
                <option value="base64">base64</option>
              </select>
            )}
          </Field>
          <Field label="Timestamp header" path="signature.timestamp_header" error={error} help="empty: the body alone is signed">
            {(props) => <input {...props} value={draft.timestampHeader} onChange={(e) => set('timestampHeader', e.target.value)} />}
          </Field>
        </div>
      )}
      <div className="grid-3">
        <Field label="Body" path="body" error={error}>
          {(props) => (
            <select {...props} value={draft.body} onChange={(e) => set('body', e.target.value as BodyFormat)}>
              <option value="envelope">Herald's envelope (JSON)</option>
              <option value="payload">The payload alone, bytes as ingested</option>
            </select>
          )}
        </Field>
        <Field label="Envelope version" path="schema_version" error={error}>
          {(props) =>
            versions.data ? (
              <select {...props} value={draft.schemaVersion} onChange={(e) => set('schemaVersion', e.target.value)}>
                {!draft.schemaVersion && <option value="">The newest</option>}
                {versions.data.data.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.id}
                    {v.latest ? ' (newest)' : ''}
                  </option>
                ))}
              </select>
            ) : (
              <Loading what="envelope versions" />
            )
          }
        </Field>
      </div>
      <ErrorBox error={versions.error} title="Could not load the envelope versions" />
    </>
  );
}

/** The format as the endpoint detail shows it. */
export function describeSignature(s: EndpointSignature): string {
  if (s.scheme !== 'hmac-sha256') return SCHEMES.find((x) => x.value === s.scheme)!.label;
  return `HMAC-SHA256 in ${s.header} (${s.prefix ? `${s.prefix}…, ` : ''}${s.encoding}${s.timestamp_header ? `, timestamp in ${s.timestamp_header}` : ''})`;
}

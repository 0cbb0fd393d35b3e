import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { EventTypeOut } from '@herald/schemas';
import { api, ApiError } from '../api.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ErrorBox, FieldError, JsonBlock, Loading, Time, useAction, useLoad } from '../ui.js';
import { samplePayload } from './sample-payload.js';

const BUILT_IN = 'webhook.test';
const CHECK_DELAY_MS = 400;

type Parsed = { ok: true; value: Record<string, unknown> | null } | { ok: false; message: string };

/** JSON text as an object (or null when empty), or why it is not one. */
function parseObject(text: string, allowEmpty: boolean): Parsed {
  if (text.trim() === '') return allowEmpty ? { ok: true, value: null } : { ok: false, message: 'is empty' };
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: 'must be a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, message: `is not valid JSON: ${(error as Error).message}` };
  }
}

type Check = { state: 'idle' } | { state: 'checking' } | { state: 'ok' } | { state: 'refused'; error: unknown };

/**
 * As the schema and the sample payload are typed, asks Herald whether it
 * would accept them (`POST /api/v1/event-types/check`), a moment after the
 * typing stops; an older answer never replaces a newer one.
 */
function useServerCheck(schema: Parsed, payload: Parsed, enabled: boolean): Check {
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const seq = useRef(0);
  const schemaKey = schema.ok ? JSON.stringify(schema.value) : null;
  const payloadKey = payload.ok ? JSON.stringify(payload.value) : null;
  useEffect(() => {
    if (!enabled || schemaKey === null) {
      setCheck({ state: 'idle' });
      return;
    }
    const mine = ++seq.current;
    setCheck({ state: 'checking' });
    const timer = setTimeout(() => {
      const body: Record<string, unknown> = { schema: JSON.parse(schemaKey) };
      if (payloadKey !== null && payloadKey !== 'null') body.payload = JSON.parse(payloadKey);
      api('POST', '/event-types/check', body).then(
        () => mine === seq.current && setCheck({ state: 'ok' }),
        (error: unknown) => mine === seq.current && setCheck({ state: 'refused', error }),
      );
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [schemaKey, payloadKey, enabled]);
  return check;
}

/** Creating (no name) or editing an event type: description, JSON Schema checked as typed, and a sample payload. */
export function EventTypeEditorScreen({ name }: { name?: string }) {
  const { canWrite } = useSession();
  const existing = useLoad(() => (name ? api<EventTypeOut>('GET', `/event-types/${encodeURIComponent(name)}`) : Promise.resolve(null)), [name]);
  const [draft, setDraft] = useState<{ name: string; description: string; schema: string; sample: string } | null>(name ? null : { name: '', description: '', schema: '', sample: '' });
  const save = useAction();
  useEffect(() => {
    const e = existing.data;
    if (e) {
      setDraft({
        name: e.name,
        description: e.description,
        schema: e.schema ? JSON.stringify(e.schema, null, 2) : '',
        sample: e.schema ? JSON.stringify(samplePayload(e.schema), null, 2) : '',
      });
    }
  }, [existing.data]);
  const editable = canWrite && name !== BUILT_IN;
  const schema = parseObject(draft?.schema ?? '', true);
  const sample = parseObject(draft?.sample ?? '', true);
  const check = useServerCheck(schema, sample, editable && draft !== null);

  if (existing.error) return <ErrorBox error={existing.error} title="Could not load the event type" />;
  if (!draft) return <Loading what="the event type" />;

  const set = (key: keyof typeof draft, value: string) => setDraft({ ...draft, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!schema.ok) return;
    await save.run(async () => {
      if (name) {
        await api('PATCH', `/event-types/${encodeURIComponent(name)}`, { description: draft.description, schema: schema.value });
        existing.reload();
      } else {
        await api('POST', '/event-types', { name: draft.name.trim(), description: draft.description, schema: schema.value });
        navigate(`event-types/${encodeURIComponent(draft.name.trim())}`);
      }
    });
  };
  const refusal = check.state === 'refused' ? check.error : null;
  const refusedPaths = refusal instanceof ApiError ? refusal.details : [];
  const schemaRefused = refusedPaths.some((d) => d.path === 'schema' || d.path.startsWith('schema.'));
  const sampleRefused = refusedPaths.some((d) => d.path === 'payload' || d.path.startsWith('payload.'));

  return (
    <section aria-labelledby="type-title">
      <p className="crumbs">
        <a href={href('event-types')}>Event types</a> /
      </p>
      <h1 id="type-title">{name ? <code>{name}</code> : 'New event type'}</h1>
      {existing.data && (
        <p className="muted small">
          Registered <Time value={existing.data.created_at} />, changed <Time value={existing.data.updated_at} />
        </p>
      )}
      {name === BUILT_IN && <p className="notice">Built in: test sends use it with any payload, so it cannot be changed.</p>}
      {!editable ? (
        <div className="cards">
          <div className="card">
            <h2>Description</h2>
            <p>{draft.description || <span className="muted">—</span>}</p>
            <h2>JSON Schema</h2>
            {draft.schema ? <JsonBlock text={draft.schema} label="JSON Schema" /> : <p className="muted">None: any JSON object is accepted.</p>}
          </div>
          <div className="card">
            <h2>Sample payload</h2>
            {draft.sample ? <JsonBlock text={draft.sample} label="Sample payload" /> : <p className="muted">—</p>}
          </div>
        </div>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          {!name && (
            <div className="field">
              <label htmlFor="type-name">Name</label>
              <input id="type-name" required value={draft.name} onChange={(e) => set('name', e.target.value)} placeholder="invoice.paid" aria-describedby="type-name-help" />
              <p className="help" id="type-name-help">
                a–z, 0–9, <code>_ . -</code>; the part before a dot makes a family (<code>invoice.*</code>)
              </p>
              <FieldError error={save.error} path="name" />
            </div>
          )}
          <div className="field">
            <label htmlFor="type-description">Description</label>
            <input id="type-description" value={draft.description} onChange={(e) => set('description', e.target.value)} />
            <FieldError error={save.error} path="description" />
          </div>
          <div className="editor-grid">
            <div className="field">
              <label htmlFor="type-schema">JSON Schema (draft 2020-12; empty for any payload)</label>
              <textarea
                id="type-schema"
                className="code"
                rows={16}
                spellCheck={false}
                value={draft.schema}
                onChange={(e) => set('schema', e.target.value)}
                aria-invalid={!schema.ok || schemaRefused}
                aria-describedby="schema-check"
              />
              <p id="schema-check" className={`check ${!schema.ok || schemaRefused ? 'bad' : check.state === 'ok' ? 'good' : ''}`} role="status" aria-live="polite">
                {!schema.ok
                  ? `The schema ${schema.message}`
                  : schema.value === null
                    ? 'No schema: any JSON object is accepted.'
                    : check.state === 'checking'
                      ? 'Checking with Herald…'
                      : schemaRefused
                        ? refusedPaths
                            .filter((d) => d.path.startsWith('schema'))
                            .map((d) => `${d.path}: ${d.message}`)
                            .join('; ')
                        : check.state === 'ok' || sampleRefused
                          ? 'Herald accepts this schema.'
                          : ''}
              </p>
            </div>
            <div className="field">
              <label htmlFor="type-sample">Sample payload (checked against the schema, not saved)</label>
              <textarea
                id="type-sample"
                className="code"
                rows={16}
                spellCheck={false}
                value={draft.sample}
                onChange={(e) => set('sample', e.target.value)}
                aria-invalid={!sample.ok || sampleRefused}
                aria-describedby="sample-check"
              />
              <p id="sample-check" className={`check ${!sample.ok || sampleRefused ? 'bad' : check.state === 'ok' && sample.ok && sample.value ? 'good' : ''}`} role="status" aria-live="polite">
                {!sample.ok
                  ? `The sample ${sample.message}`
                  : sampleRefused
                    ? refusedPaths
                        .filter((d) => d.path.startsWith('payload'))
                        .map((d) => `${d.path}: ${d.message}`)
                        .join('; ')
                    : check.state === 'ok' && sample.value
                      ? 'The sample satisfies the schema.'
                      : ''}
              </p>
              <button type="button" disabled={!schema.ok || schema.value === null} onClick={() => schema.ok && set('sample', JSON.stringify(samplePayload(schema.value), null, 2))}>
                Generate a sample from the schema
              </button>
            </div>
          </div>
          {check.state === 'refused' && !schemaRefused && !sampleRefused && <ErrorBox error={refusal} title="Herald could not check the schema" />}
          <ErrorBox error={save.error} title="Could not save the event type" />
          <div className="actions">
            <a className="button" href={href('event-types')}>
              Cancel
            </a>
            <button type="submit" className="primary" disabled={save.busy || !schema.ok || schemaRefused}>
              {save.busy ? 'Saving…' : name ? 'Save' : 'Create event type'}
            </button>
          </div>
          {save.busy === false && save.error === null && name && existing.data && <p className="muted small">Changes apply to the next event ingest receives.</p>}
        </form>
      )}
    </section>
  );
}

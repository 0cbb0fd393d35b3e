import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { EndpointCreatedOut, EndpointOut, EventTypeOut } from '@herald/schemas';
import { api } from '../api.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ErrorBox, Field, FieldError, Loading, SecretOnce, useAction, useLoad } from '../ui.js';
import { formatBody, formatDraftOf, FormatFields, NEW_FORMAT, type FormatDraft } from './endpoint-format.js';
import { familiesOf, loadAllEventTypes } from './registry.js';

/**
 * What the form edits. Each setting is one field here, one section below and
 * one line in `toBody`: a new endpoint setting (a signature scheme, a body
 * format) is added the same way, as a section of its own.
 */
interface Draft {
  url: string;
  name: string;
  description: string;
  events: string[];
  /** Comma-separated channel names; empty means every channel. */
  channels: string;
  enabled: boolean;
  timeout_ms: string;
  max_attempts: string;
  rate_limit_per_second: string;
  headers: { name: string; value: string }[];
  format: FormatDraft;
}

const EMPTY: Draft = {
  url: '',
  name: '',
  description: '',
  events: [],
  channels: '',
  enabled: true,
  timeout_ms: '10000',
  max_attempts: '15',
  rate_limit_per_second: '',
  headers: [],
  format: NEW_FORMAT,
};

function draftOf(e: EndpointOut): Draft {
  return {
    url: e.url,
    name: e.name,
    description: e.description,
    events: e.events,
    channels: e.channels.join(', '),
    enabled: e.enabled,
    timeout_ms: String(e.timeout_ms),
    max_attempts: String(e.max_attempts),
    rate_limit_per_second: e.rate_limit_per_second === null ? '' : String(e.rate_limit_per_second),
    headers: Object.entries(e.headers).map(([name, value]) => ({ name, value })),
    format: formatDraftOf(e),
  };
}

/** A number field as the API takes it: the API, not the form, says what is out of range. */
const numberOf = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

/** The request body; `before` is the endpoint as loaded (null when creating). */
function toBody(draft: Draft, before: EndpointOut | null): Record<string, unknown> {
  const creating = before === null;
  return {
    url: draft.url.trim(),
    name: draft.name,
    description: draft.description,
    events: draft.events,
    channels: draft.channels
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    ...(creating ? { enabled: draft.enabled } : {}),
    timeout_ms: numberOf(draft.timeout_ms),
    max_attempts: numberOf(draft.max_attempts),
    rate_limit_per_second: draft.rate_limit_per_second.trim() === '' ? null : numberOf(draft.rate_limit_per_second),
    headers: Object.fromEntries(draft.headers.filter((h) => h.name.trim() !== '').map((h) => [h.name.trim(), h.value])),
    ...formatBody(draft.format, before ? formatDraftOf(before) : null),
  };
}

/** Creating (no id) or editing an endpoint. */
export function EndpointFormScreen({ id }: { id?: string }) {
  const { canWrite } = useSession();
  const existing = useLoad(() => (id ? api<EndpointOut>('GET', `/endpoints/${encodeURIComponent(id)}`) : Promise.resolve(null)), [id]);
  const registry = useLoad(loadAllEventTypes, []);
  const [draft, setDraft] = useState<Draft | null>(id ? null : EMPTY);
  const [created, setCreated] = useState<EndpointCreatedOut | null>(null);
  const save = useAction();

  useEffect(() => {
    if (existing.data) setDraft(draftOf(existing.data));
  }, [existing.data]);

  if (!canWrite) return <p>This console is read-only: a read key cannot change endpoints.</p>;
  if (created) {
    return (
      <section aria-labelledby="created-title">
        <h1 id="created-title">Endpoint created</h1>
        <p>
          <a href={href(`endpoints/${created.id}`)}>{created.name || created.url}</a> will receive {created.events.join(', ')}.
        </p>
        <SecretOnce secret={created.signing_secret} onDone={() => navigate(`endpoints/${created.id}`)} />
      </section>
    );
  }
  if (existing.error) return <ErrorBox error={existing.error} title="Could not load the endpoint" />;
  if (!draft) return <Loading what="the endpoint" />;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save.run(async () => {
      if (id) {
        await api<EndpointOut>('PATCH', `/endpoints/${encodeURIComponent(id)}`, toBody(draft, existing.data ?? null));
        navigate(`endpoints/${id}`);
      } else {
        setCreated(await api<EndpointCreatedOut>('POST', '/endpoints', toBody(draft, null)));
      }
    });
  };
  const error = save.error;

  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{id ? 'Edit endpoint' : 'New endpoint'}</h1>
      <form onSubmit={submit} className="form" noValidate>
        <Section title="Receiver">
          <Field label="URL" path="url" error={error} help="https:// (http:// only if the operator allows it)">
            {(props) => <input {...props} type="url" required value={draft.url} onChange={(e) => set('url', e.target.value)} placeholder="https://example.com/webhooks" />}
          </Field>
          <Field label="Name" path="name" error={error}>
            {(props) => <input {...props} value={draft.name} onChange={(e) => set('name', e.target.value)} />}
          </Field>
          <Field label="Description" path="description" error={error}>
            {(props) => <textarea {...props} rows={2} value={draft.description} onChange={(e) => set('description', e.target.value)} />}
          </Field>
          {!id && (
            <div className="field checkbox">
              <input id="endpoint-enabled" type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />
              <label htmlFor="endpoint-enabled">Enabled (start delivering at once)</label>
            </div>
          )}
        </Section>
        <Section title="Events">
          {registry.loading && <Loading what="event types" />}
          <ErrorBox error={registry.error} title="Could not load the event types" />
          {registry.data && <EventPicker registry={registry.data} selected={draft.events} onChange={(events) => set('events', events)} />}
          <FieldError error={error} path="events" />
          <Field label="Channels" path="channels" error={error} help="Comma-separated, e.g. shop-eu, shop-us. Empty: every channel, and events without one.">
            {(props) => <input {...props} value={draft.channels} onChange={(e) => set('channels', e.target.value)} />}
          </Field>
        </Section>
        <Section title="Delivery">
          <div className="grid-3">
            <Field label="Timeout (ms)" path="timeout_ms" error={error} help="1000–30000">
              {(props) => <input {...props} type="number" inputMode="numeric" value={draft.timeout_ms} onChange={(e) => set('timeout_ms', e.target.value)} />}
            </Field>
            <Field label="Max attempts" path="max_attempts" error={error} help="1–50, the first included">
              {(props) => <input {...props} type="number" inputMode="numeric" value={draft.max_attempts} onChange={(e) => set('max_attempts', e.target.value)} />}
            </Field>
            <Field label="Rate limit (per second)" path="rate_limit_per_second" error={error} help="empty: no limit">
              {(props) => (
                <input {...props} type="number" inputMode="numeric" value={draft.rate_limit_per_second} onChange={(e) => set('rate_limit_per_second', e.target.value)} />
              )}
            </Field>
          </div>
        </Section>
        <Section title="Format">
          <FormatFields draft={draft.format} onChange={(format) => set('format', format)} error={error} />
        </Section>
        <Section title="Headers">
          <HeadersEditor rows={draft.headers} onChange={(rows) => set('headers', rows)} error={error} />
        </Section>
        <ErrorBox error={error} title={id ? 'Could not save the endpoint' : 'Could not create the endpoint'} />
        <div className="actions">
          <a className="button" href={id ? href(`endpoints/${id}`) : href('endpoints')}>
            Cancel
          </a>
          <button type="submit" className="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : id ? 'Save' : 'Create endpoint'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="section">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

/** Events picked from the registry: every type (`*`), whole families, or exact names. */
function EventPicker({ registry, selected, onChange }: { registry: EventTypeOut[]; selected: string[]; onChange: (events: string[]) => void }) {
  const [filter, setFilter] = useState('');
  const names = registry.map((e) => e.name);
  const families = familiesOf(names);
  const all = selected.includes('*');
  const unknown = selected.filter((s) => s !== '*' && !names.includes(s) && !families.includes(s));
  const toggle = (value: string) => onChange(selected.includes(value) ? selected.filter((s) => s !== value) : [...selected, value]);
  const shown = (value: string) => value.includes(filter.trim().toLowerCase());
  const box = (value: string, label: ReactNode, disabled = false) => (
    <li key={value}>
      <input id={`ev-${value}`} type="checkbox" checked={selected.includes(value)} disabled={disabled} onChange={() => toggle(value)} />
      <label htmlFor={`ev-${value}`}>{label}</label>
    </li>
  );
  return (
    <div className="event-picker">
      <ul className="checks">{box('*', <strong>All event types (*), including ones registered later</strong>)}</ul>
      <div className="field">
        <label htmlFor="event-filter">Find event types</label>
        <input id="event-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="e.g. invoice" disabled={all} />
      </div>
      {families.length > 0 && (
        <fieldset className="plain">
          <legend>Families (include types registered later)</legend>
          <ul className="checks">{families.filter(shown).map((f) => box(f, <code>{f}</code>, all))}</ul>
        </fieldset>
      )}
      <fieldset className="plain">
        <legend>Event types</legend>
        <ul className="checks">
          {registry
            .filter((e) => shown(e.name))
            .map((e) =>
              box(
                e.name,
                <>
                  <code>{e.name}</code> {e.description && <span className="muted small">{e.description}</span>}
                </>,
                all,
              ),
            )}
        </ul>
      </fieldset>
      {unknown.length > 0 && <p className="small">Also subscribed: {unknown.map((u) => <code key={u}>{u} </code>)}</p>}
      <p className="small" aria-live="polite">
        Selected: {selected.length === 0 ? 'none' : selected.join(', ')}
      </p>
    </div>
  );
}

function HeadersEditor({ rows, onChange, error }: { rows: { name: string; value: string }[]; onChange: (rows: { name: string; value: string }[]) => void; error: unknown }) {
  const update = (i: number, key: 'name' | 'value', value: string) => onChange(rows.map((r, j) => (j === i ? { ...r, [key]: value } : r)));
  return (
    <div>
      <p className="help">Sent with every attempt, after Herald's own headers.</p>
      {rows.map((row, i) => (
        <div className="header-row" key={i}>
          <div className="field">
            <label htmlFor={`header-name-${i}`}>Header name</label>
            <input id={`header-name-${i}`} value={row.name} onChange={(e) => update(i, 'name', e.target.value)} />
            <FieldError error={error} path={`headers.${row.name.trim()}`} />
          </div>
          <div className="field">
            <label htmlFor={`header-value-${i}`}>Value</label>
            <input id={`header-value-${i}`} value={row.value} onChange={(e) => update(i, 'value', e.target.value)} />
          </div>
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove header ${row.name || i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add header
      </button>
    </div>
  );
}

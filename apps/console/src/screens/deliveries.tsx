import { useState, type FormEvent } from 'react';
import type { DeliveryOut, EndpointOut, Page, ReplayPreviewOut } from '@herald/schemas';
import { api, query } from '../api.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ConfirmDialog, Empty, ErrorBox, Loading, Pager, StatusBadge, Time, useAction, useLoad, usePager } from '../ui.js';
import { loadAllEventTypes } from './registry.js';

const STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const;
const FILTER_KEYS = ['status', 'endpoint_id', 'event_type', 'channel', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

/** An ISO time as a `datetime-local` value in the viewer's zone, and back. */
const toLocalInput = (iso?: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

/**
 * The outbox: every delivery, filtered by status, endpoint, event type, channel and
 * creation time (the filters live in the address), paged by cursor; the dead
 * letters the filters select can be replayed at once, after their count.
 */
export function DeliveriesScreen({ params }: { params: URLSearchParams }) {
  const { canWrite } = useSession();
  const filters: Filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? undefined]));
  const filterKey = JSON.stringify(filters);
  const pager = usePager(filterKey);
  const list = useLoad(() => api<Page<DeliveryOut>>('GET', `/outbox${query({ ...filters, limit: 50, cursor: pager.cursor })}`), [filterKey, pager.cursor]);
  const endpoints = useLoad(() => api<Page<EndpointOut>>('GET', '/endpoints?limit=100'), []);
  const eventTypes = useLoad(loadAllEventTypes, []);
  const [preview, setPreview] = useState<ReplayPreviewOut | null>(null);
  const [replayed, setReplayed] = useState<string | null>(null);
  const previewAction = useAction();

  const apply = (next: Filters) => navigate('deliveries', next);
  const replayFilter = { endpoint_id: filters.endpoint_id, event_type: filters.event_type, channel: filters.channel, since: filters.since, until: filters.until };
  const endpointName = (id: string) => {
    const e = endpoints.data?.data.find((x) => x.id === id);
    return e ? e.name || e.url : id;
  };

  return (
    <section aria-labelledby="deliveries-title">
      <div className="title-row">
        <h1 id="deliveries-title">Deliveries</h1>
        {canWrite && (
          <button
            type="button"
            onClick={() =>
              previewAction.run(async () => {
                setReplayed(null);
                setPreview(await api<ReplayPreviewOut>('GET', `/outbox/replay/preview${query({ ...replayFilter, status: 'dead' })}`));
              })
            }
            disabled={previewAction.busy}
          >
            Replay dead letters…
          </button>
        )}
      </div>
      <FilterForm filters={filters} endpoints={endpoints.data?.data ?? []} eventTypes={eventTypes.data?.map((e) => e.name) ?? []} onApply={apply} />
      <ErrorBox error={previewAction.error} title="Could not count the dead letters" />
      {replayed && (
        <p className="notice" role="status">
          {replayed}
        </p>
      )}
      {list.loading && <Loading what="deliveries" />}
      <ErrorBox error={list.error} title="Could not load the deliveries" />
      {list.data && list.data.data.length === 0 && <Empty>No deliveries match these filters.</Empty>}
      {list.data && list.data.data.length > 0 && (
        <div className="table-wrap">
          <table className="list" aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">Event type</th>
                <th scope="col">Kind</th>
                <th scope="col">To</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last result</th>
                <th scope="col">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Time value={d.created_at} />
                  </td>
                  <td>
                    <StatusBadge status={d.status} />
                  </td>
                  <td>
                    <code>{d.event_type}</code>
                  </td>
                  <td>{d.kind}</td>
                  <td className="small">
                    {d.endpoint_id !== null ? <a href={href(`endpoints/${d.endpoint_id}`)}>{endpointName(d.endpoint_id)}</a> : <span>{d.recipient}</span>}
                  </td>
                  <td>
                    {d.attempts} / {d.max_attempts}
                  </td>
                  <td className="small">{d.last_error ?? (d.last_response_status !== null ? `HTTP ${d.last_response_status}` : '—')}</td>
                  <td>
                    <a href={href(`deliveries/${d.id}`)} aria-label={`Delivery ${d.id}`}>
                      {d.id}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pager page={pager.page} next={list.data.next_cursor} onOlder={pager.older} onNewer={pager.newer} />}
      {preview && (
        <ConfirmDialog
          title="Replay dead letters?"
          confirmLabel={`Replay ${preview.replayable}`}
          onConfirm={async () => {
            if (preview.replayable === 0) return;
            const answer = await api<{ replayed: number }>('POST', '/outbox/replay', { ...cleaned(replayFilter), status: 'dead' });
            setReplayed(`${answer.replayed} dead deliveries replayed.`);
            list.reload();
          }}
          onClose={() => setPreview(null)}
        >
          <p data-testid="replay-count">
            <strong>{preview.matching}</strong> dead {preview.matching === 1 ? 'delivery matches' : 'deliveries match'} the endpoint, event type and time filters;{' '}
            <strong>{preview.replayable}</strong> will be replayed now.
          </p>
          {preview.matching > preview.replayable && <p>The other {preview.matching - preview.replayable} belong to endpoints that are disabled or deleted: enable those first.</p>}
          <p className="small">Each is sent again from attempt 1 with the same webhook-id.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

const cleaned = (filters: Record<string, string | undefined>) => Object.fromEntries(Object.entries(filters).filter(([, v]) => v));

function FilterForm({ filters, endpoints, eventTypes, onApply }: { filters: Filters; endpoints: EndpointOut[]; eventTypes: string[]; onApply: (f: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  const set = (key: keyof Filters, value: string | undefined) => setDraft({ ...draft, [key]: value || undefined });
  return (
    <form className="filters" onSubmit={submit} aria-label="Filters">
      <div className="field">
        <label htmlFor="f-status">Status</label>
        <select id="f-status" value={draft.status ?? ''} onChange={(e) => set('status', e.target.value)}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-endpoint">Endpoint</label>
        <select id="f-endpoint" value={draft.endpoint_id ?? ''} onChange={(e) => set('endpoint_id', e.target.value)}>
          <option value="">any</option>
          {endpoints.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name || e.url}
            </option>
          ))}
          {draft.endpoint_id && !endpoints.some((e) => e.id === draft.endpoint_id) && <option value={draft.endpoint_id}>{draft.endpoint_id}</option>}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-type">Event type</label>
        <select id="f-type" value={draft.event_type ?? ''} onChange={(e) => set('event_type', e.target.value)}>
          <option value="">any</option>
          {eventTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-channel">Channel</label>
        <input id="f-channel" value={draft.channel ?? ''} placeholder="any" onChange={(e) => set('channel', e.target.value.trim())} />
      </div>
      <div className="field">
        <label htmlFor="f-since">Created from (local time)</label>
        <input id="f-since" type="datetime-local" value={toLocalInput(draft.since)} onChange={(e) => set('since', fromLocalInput(e.target.value))} />
      </div>
      <div className="field">
        <label htmlFor="f-until">Created before (local time)</label>
        <input id="f-until" type="datetime-local" value={toLocalInput(draft.until)} onChange={(e) => set('until', fromLocalInput(e.target.value))} />
      </div>
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

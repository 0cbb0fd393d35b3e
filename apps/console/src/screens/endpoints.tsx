import { useState } from 'react';
import type { EndpointBulkOut, EndpointOut, EndpointStatsOut, Page } from '@herald/schemas';
import { api, query } from '../api.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ConfirmDialog, Empty, ErrorBox, Loading, Pager, StatusBadge, Time, useLoad, usePager } from '../ui.js';

type BulkAction = 'enable' | 'disable' | 'delete';

const BULK_WORDS: Record<BulkAction, { verb: string; done: string }> = {
  enable: { verb: 'Enable', done: 'enabled' },
  disable: { verb: 'Disable', done: 'disabled' },
  delete: { verb: 'Delete', done: 'deleted' },
};

/** Why an endpoint is disabled, in words. */
export function disabledWhy(reason: string | null): string {
  switch (reason) {
    case 'manual':
      return 'disabled by hand';
    case 'gone':
      return 'disabled: the receiver answered 410 Gone';
    case 'failing':
      return 'disabled: every attempt failed for too long';
    default:
      return 'disabled';
  }
}

/**
 * Endpoints with their health at a glance, optionally of one channel (in the
 * address); several, or every one of the channel, can be enabled, disabled or
 * deleted at once.
 */
export function EndpointsScreen({ params }: { params: URLSearchParams }) {
  const { canWrite } = useSession();
  const channel = params.get('channel') ?? undefined;
  const [channelDraft, setChannelDraft] = useState(channel ?? '');
  const pager = usePager(`endpoints:${channel ?? ''}`);
  const list = useLoad(() => api<Page<EndpointOut>>('GET', `/endpoints${query({ limit: 25, cursor: pager.cursor, channel })}`), [pager.cursor, channel]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<BulkAction | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const rows = list.data?.data ?? [];
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  // With a channel and nothing ticked, the bulk actions are for every endpoint of the channel.
  const target = selected.size > 0 || channel === undefined ? `${selected.size} endpoint(s)` : `every endpoint of channel ${channel}`;
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  const runBulk = async (action: BulkAction) => {
    // Nothing ticked on a channel's list: the action is for the whole channel.
    const byChannel = selected.size === 0 && channel !== undefined;
    const answer = await api<EndpointBulkOut>('POST', '/endpoints/bulk', byChannel ? { action, channel } : { action, ids: [...selected] });
    const failed = answer.results.filter((r) => !r.ok);
    const total = answer.results.length;
    setOutcome(
      `${total - failed.length} of ${total} endpoint(s) ${BULK_WORDS[action].done}.` +
        (failed.length ? ` Refused: ${failed.map((f) => `${f.id} (${f.error?.message ?? 'error'})`).join('; ')}` : ''),
    );
    setSelected(new Set());
    list.reload();
  };

  return (
    <section aria-labelledby="endpoints-title">
      <div className="title-row">
        <h1 id="endpoints-title">Endpoints</h1>
        {canWrite && (
          <a className="button primary" href={href('endpoints/new')}>
            New endpoint
          </a>
        )}
      </div>
      <form
        className="filters"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          navigate('endpoints', channelDraft ? { channel: channelDraft } : {});
        }}
      >
        <div className="field">
          <label htmlFor="f-ep-channel">Channel</label>
          <input id="f-ep-channel" value={channelDraft} placeholder="any" onChange={(e) => setChannelDraft(e.target.value.trim())} />
        </div>
        <div className="filter-actions">
          <button type="submit">Apply filter</button>
        </div>
      </form>
      {outcome && (
        <p className="notice" role="status">
          {outcome}
        </p>
      )}
      {canWrite && rows.length > 0 && (
        <div className="bulk-bar" role="toolbar" aria-label="Bulk actions">
          <span>{selected.size > 0 || channel === undefined ? `${selected.size} selected` : `channel ${channel}`}</span>
          {(['enable', 'disable', 'delete'] as const).map((action) => (
            <button
              key={action}
              type="button"
              className={action === 'delete' ? 'danger' : undefined}
              disabled={selected.size === 0 && channel === undefined}
              onClick={() => setBulk(action)}
            >
              {BULK_WORDS[action].verb} {selected.size > 0 || channel === undefined ? 'selected' : 'channel'}
            </button>
          ))}
        </div>
      )}
      {list.loading && !list.data && <Loading what="endpoints" />}
      <ErrorBox error={list.error} title="Could not load the endpoints" />
      {list.data && rows.length === 0 && (
        <Empty>
          <p>No endpoints yet.</p>
          {canWrite && <a href={href('endpoints/new')}>Add the first endpoint</a>}
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="list" aria-label="Endpoints">
            <thead>
              <tr>
                {canWrite && (
                  <th scope="col" className="check">
                    <input
                      type="checkbox"
                      aria-label="Select all endpoints on this page"
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                    />
                  </th>
                )}
                <th scope="col">Endpoint</th>
                <th scope="col">State</th>
                <th scope="col">Last delivery</th>
                <th scope="col">Success (24 h)</th>
                <th scope="col">Events</th>
                <th scope="col">Channels</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id}>
                  {canWrite && (
                    <td className="check">
                      <input type="checkbox" aria-label={`Select ${e.name || e.url}`} checked={selected.has(e.id)} onChange={() => toggle(e.id)} />
                    </td>
                  )}
                  <td>
                    <a href={href(`endpoints/${e.id}`)}>{e.name || e.url}</a>
                    {e.name && <div className="muted small">{e.url}</div>}
                  </td>
                  <td>
                    {e.enabled ? <span className="badge badge-enabled">enabled</span> : <span className="badge badge-disabled" title={disabledWhy(e.disabled_reason)}>{disabledWhy(e.disabled_reason)}</span>}
                  </td>
                  <td>
                    <StatusBadge status={e.last_delivery_status} /> <Time value={e.last_delivery_at} />
                  </td>
                  <td>
                    <SuccessRate id={e.id} />
                  </td>
                  <td className="small">{e.events.join(', ')}</td>
                  <td className="small">{e.channels.length > 0 ? e.channels.join(', ') : 'any'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pager page={pager.page} next={list.data.next_cursor} onOlder={pager.older} onNewer={pager.newer} />}
      {bulk && (
        <ConfirmDialog
          title={`${BULK_WORDS[bulk].verb} ${target}?`}
          confirmLabel={`${BULK_WORDS[bulk].verb} ${selected.size > 0 || channel === undefined ? selected.size : 'channel'}`}
          danger={bulk !== 'enable'}
          onConfirm={() => runBulk(bulk)}
          onClose={() => setBulk(null)}
        >
          <ul className="small">
            {rows
              .filter((r) => selected.has(r.id) || (selected.size === 0 && channel !== undefined))
              .map((r) => (
                <li key={r.id}>{r.name || r.url}</li>
              ))}
          </ul>
          {bulk === 'disable' && <p>Their pending deliveries become dead (replayable later).</p>}
          {bulk === 'delete' && <p>Nothing more is sent to them; their pending deliveries are cancelled. Their history stays in the outbox.</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The share of attempts that succeeded over the last 24 hours. */
function SuccessRate({ id }: { id: string }) {
  const stats = useLoad(() => api<EndpointStatsOut>('GET', `/endpoints/${encodeURIComponent(id)}/stats?window=24h`), [id]);
  if (stats.error) return <span className="muted">?</span>;
  if (!stats.data) return <span className="muted">…</span>;
  const rate = stats.data.success_rate;
  if (rate === null) return <span className="muted">no attempts</span>;
  const percent = Math.round(rate * 1000) / 10;
  return <span className={percent >= 99 ? 'good' : percent >= 90 ? 'warn' : 'bad'}>{percent} %</span>;
}

import type { DeliveryDetailOut as DeliveryDetail } from '@herald/schemas';
import { api } from '../api.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { ErrorBox, HeadersTable, JsonBlock, Loading, StatusBadge, Time, useAction, useLoad } from '../ui.js';

/** One delivery with every attempt: what was sent (headers, body) and what came back (status, headers, body, latency, error). */
export function DeliveryDetailScreen({ id }: { id: string }) {
  const { canWrite } = useSession();
  const path = `/outbox/${encodeURIComponent(id)}`;
  const detail = useLoad(() => api<DeliveryDetail>('GET', path), [id]);
  const replay = useAction();
  if (detail.error) return <ErrorBox error={detail.error} title="Could not load the delivery" />;
  const d = detail.data;
  if (!d) return <Loading what="the delivery" />;
  return (
    <section aria-labelledby="delivery-title">
      <p className="crumbs">
        <a href={href('deliveries')}>Deliveries</a> /
      </p>
      <div className="title-row">
        <h1 id="delivery-title">
          Delivery <code>{d.id}</code>
        </h1>
        <StatusBadge status={d.status} />
      </div>
      {canWrite && d.status !== 'pending' && (
        <div className="toolbar">
          <button
            type="button"
            disabled={replay.busy}
            onClick={() =>
              replay.run(async () => {
                await api('POST', `${path}/replay`);
                detail.reload();
              })
            }
          >
            Replay
          </button>
        </div>
      )}
      <ErrorBox error={replay.error} title="Could not replay" />
      <dl className="card" aria-label="Delivery">
        <dt>Event</dt>
        <dd>
          <code>{d.event_id}</code> (<code>{d.event_type}</code>)
        </dd>
        <dt>Kind</dt>
        <dd>{d.kind}</dd>
        {d.endpoint_id !== null ? (
          <>
            <dt>Endpoint</dt>
            <dd>
              <a href={href(`endpoints/${d.endpoint_id}`)}>{d.endpoint_id}</a>
            </dd>
          </>
        ) : (
          <>
            <dt>Recipient</dt>
            <dd>{d.recipient}</dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>
          {d.attempt_count} of {d.max_attempts}
          {d.next_attempt_at && (
            <>
              {' '}
              · next <Time value={d.next_attempt_at} />
            </>
          )}
        </dd>
        <dt>Last error</dt>
        <dd>{d.last_error ?? '—'}</dd>
        <dt>Created · delivered</dt>
        <dd>
          <Time value={d.created_at} /> · <Time value={d.delivered_at} />
        </dd>
      </dl>
      <h2>Attempts ({d.attempts.length})</h2>
      {d.attempts.length === 0 && <p className="muted">No attempt yet.</p>}
      {d.attempts.map((a, i) => (
        <details key={a.id} className="attempt" open={i === d.attempts.length - 1}>
          <summary>
            Attempt {a.attempt} · <StatusBadge status={a.status} /> · {a.response_status ?? 'no response'} · {a.latency_ms} ms · <Time value={a.created_at} />
            {a.error && <span className="small"> · {a.error}</span>}
          </summary>
          <div className="attempt-grid">
            <div>
              <h3>Request headers</h3>
              <HeadersTable headers={a.request_headers} label={`Attempt ${a.attempt} request headers`} />
              <h3>Request body</h3>
              <JsonBlock text={a.request_body} label={`Attempt ${a.attempt} request body`} />
            </div>
            <div>
              <h3>Response {a.response_status !== null && <span className="badge">{a.response_status}</span>}</h3>
              <p className="small">
                Latency {a.latency_ms} ms{a.error ? ` · error: ${a.error}` : ''}
              </p>
              <h3>Response headers</h3>
              <HeadersTable headers={a.response_headers} label={`Attempt ${a.attempt} response headers`} />
              <h3>Response body</h3>
              <JsonBlock text={a.response_body} label={`Attempt ${a.attempt} response body`} />
            </div>
          </div>
        </details>
      ))}
    </section>
  );
}
